package io.imgfed.replicator.federated;

import io.imgfed.federation.gossip.AvailabilityGossip;
import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferOutcome;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells the federation that this DC is pulling a file, with its progress, and withdraws that when the pull
 * fails. Progress goes out at most once a second or every tenth of the file, so a fast pull does not flood
 * the board. (A committed file is announced present by the store's own listener.)
 */
public final class AvailabilityPublisher implements TransferListener {
    private static final long MIN_INTERVAL_MS = 1000;

    private final AvailabilityGossip gossip;
    private final Map<String, long[]> lastSent = new ConcurrentHashMap<>();

    public AvailabilityPublisher(AvailabilityGossip gossip) {
        this.gossip = gossip;
    }

    @Override
    public void started(Transfer t) {
        lastSent.put(t.id(), new long[] {System.currentTimeMillis(), 0});
        gossip.pulling(t.sha1(), 0, t.size());
    }

    @Override
    public void progress(Transfer t) {
        long[] last = lastSent.get(t.id());
        if (last == null) {
            return;
        }
        long now = System.currentTimeMillis();
        long written = t.received();
        if (now - last[0] >= MIN_INTERVAL_MS || written - last[1] >= t.size() / 10) {
            last[0] = now;
            last[1] = written;
            gossip.pulling(t.sha1(), (double) written / t.size(), t.size());
        }
    }

    @Override
    public void finished(Transfer t, TransferOutcome outcome) {
        lastSent.remove(t.id());
        if (!outcome.completed()) {
            gossip.absent(t.sha1());
        }
    }
}
