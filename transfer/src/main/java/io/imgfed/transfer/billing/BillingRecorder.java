package io.imgfed.transfer.billing;

import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferCheckpoint;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns every ended transfer into billing events in the outbox, durably, before the transfer counts as done: one
 * event per source DC that sent bytes (bytes per DC pair are what is billed), or a single event with zero bytes
 * for a transfer that failed before any byte moved. While a transfer runs, what it would bill if this daemon died
 * now is checkpointed in the outbox about once a second; the final events replace the checkpoint atomically.
 * Event ids derive from the transfer and the source, so whichever way a transfer ends, each id has one event.
 *
 * <p>When the outbox cannot take events (disk full, read-only, I/O error), they are {@link HeldEvents held} in
 * memory and retried; the transfer still ends, and no new pull starts until the outbox takes them.
 */
public final class BillingRecorder implements TransferListener {
    static final String INTERRUPTED = "interrupted: the daemon stopped during the transfer";
    private static final long CHECKPOINT_INTERVAL_MILLIS = 1000;

    private final Outbox outbox;
    private final HeldEvents held;
    private final Context context;
    private final Map<String, Long> lastCheckpoint = new ConcurrentHashMap<>();

    public BillingRecorder(Outbox outbox, HeldEvents held, Context context) {
        this.outbox = outbox;
        this.held = held;
        this.context = context;
    }

    @Override
    public void started(Transfer t) {
        checkpoint(t);
    }

    @Override
    public void progress(Transfer t) {
        long now = System.currentTimeMillis();
        Long last = lastCheckpoint.get(t.id());
        if (last == null || now - last >= CHECKPOINT_INTERVAL_MILLIS) {
            checkpoint(t);
        }
    }

    @Override
    public void stopping(Transfer t) {
        checkpoint(t);
    }

    private void checkpoint(Transfer t) {
        lastCheckpoint.put(t.id(), System.currentTimeMillis());
        outbox.checkpoint(t.id(), TransferCheckpoint.of(t).toJson());
    }

    @Override
    public Future<Void> recording(TransferOutcome outcome) {
        lastCheckpoint.remove(outcome.transferId());
        List<Outbox.Event> events = events(outcome);
        Promise<Void> p = Promise.promise();
        outbox.append(events, outcome.transferId()).whenComplete((v, err) -> context.runOnContext(x -> {
            if (err != null) {
                // The transfer ends all the same (its bytes are here); its events wait in memory for the outbox.
                held.hold(events, outcome.transferId(), err);
            }
            p.complete();
        }));
        return p.future();
    }

    /** The events of an outcome, ready for the outbox. */
    public static List<Outbox.Event> events(TransferOutcome o) {
        List<Outbox.Event> out = new ArrayList<>();
        for (TransferEvent e : transferEvents(o)) {
            out.add(new Outbox.Event(e.eventId(), e.owner() == null ? "" : e.owner(), e.toJson()));
        }
        return out;
    }

    static List<TransferEvent> transferEvents(TransferOutcome o) {
        TransferEvent.Type type = o.completed() ? TransferEvent.Type.COMPLETED : TransferEvent.Type.FAILED;
        Instant started = Instant.ofEpochMilli(o.startedAtMillis());
        Instant finished = Instant.ofEpochMilli(o.finishedAtMillis());
        List<TransferEvent> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : o.bytesBySource().entrySet()) {
            if (e.getValue() > 0) {
                out.add(event(o, type, e.getKey(), e.getValue(), started, finished));
            }
        }
        if (out.isEmpty()) {
            out.add(event(o, type, o.lastSource(), 0, started, finished));
        }
        return out;
    }

    private static TransferEvent event(TransferOutcome o, TransferEvent.Type type, String source, long bytes,
            Instant started, Instant finished) {
        // One id per transfer and source: however the transfer ends (here or after a restart), one event per source.
        String id = UUID.nameUUIDFromBytes((o.transferId() + "/" + source).getBytes(StandardCharsets.UTF_8)).toString();
        return new TransferEvent(id, type, o.request().imageUuid(), o.request().owner(),
                o.request().sha1(), bytes, o.request().size(), source, o.destDc(), o.request().reason().wireName(), started,
                finished, o.attempts(), o.request().front());
    }
}
