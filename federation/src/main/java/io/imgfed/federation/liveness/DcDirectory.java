package io.imgfed.federation.liveness;

import io.imgfed.protocol.federation.DcRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every DC of the federation and whether it is alive: judged by when its last heartbeat arrived here (this
 * DC's clock, so clock skew between DCs does not matter), suspect after {@code suspectAfter}, gone after
 * {@code goneAfter}. A gone DC is never offered as a source; its next heartbeat makes it alive again.
 */
public final class DcDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(DcDirectory.class);

    /** Told when a DC's status changes. */
    @FunctionalInterface
    public interface Listener {
        void changed(String dc, DcStatus from, DcStatus to);
    }

    private final String self;
    private final long suspectAfterNanos;
    private final long goneAfterNanos;
    private final LongSupplier nanoTime;
    private final Supplier<DcRecord> selfRecord;
    /** This DC's record as last published; building one counts the catalog, which requests must not pay for. */
    private volatile DcRecord lastSelf;
    private final Map<String, Entry> dcs = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private static final class Entry {
        volatile DcRecord record;
        volatile long heardNanos;
        volatile long heardWallMillis;
        volatile DcStatus reported = DcStatus.ALIVE;
    }

    public DcDirectory(String self, Duration suspectAfter, Duration goneAfter, LongSupplier nanoTime,
            Supplier<DcRecord> selfRecord) {
        this.self = self;
        this.suspectAfterNanos = suspectAfter.toNanos();
        this.goneAfterNanos = goneAfter.toNanos();
        this.nanoTime = nanoTime;
        this.selfRecord = selfRecord;
    }

    /** This DC's current record, built afresh: for the heartbeat, once per interval. */
    public DcRecord refreshSelf() {
        DcRecord r = selfRecord.get();
        lastSelf = r;
        return r;
    }

    private DcRecord selfRecord() {
        DcRecord r = lastSelf;
        return r != null ? r : refreshSelf();
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * A heartbeat arrived. A record already older than {@code goneAfter} by its publisher's clock (one found on
     * the board at start rather than just sent) counts as heard that long ago, so a dead DC is not revived by
     * its last words.
     */
    public void heard(DcRecord record, long publishedAtMillis) {
        if (record.dc().equals(self)) {
            return;
        }
        long now = nanoTime.getAsLong();
        long ageMillis = Math.max(0, System.currentTimeMillis() - publishedAtMillis);
        long heard = ageMillis * 1_000_000 > goneAfterNanos ? now - ageMillis * 1_000_000 : now;
        Entry e = dcs.computeIfAbsent(record.dc(), k -> {
            // Complete from the start: nanoTime has an arbitrary origin (it may be negative), so no default
            // "heard at" value is older than every real one.
            Entry n = new Entry();
            n.reported = DcStatus.GONE;
            n.record = record;
            n.heardNanos = heard;
            n.heardWallMillis = System.currentTimeMillis() - (now - heard) / 1_000_000;
            return n;
        });
        e.record = record;
        if (heard >= e.heardNanos) {
            e.heardNanos = heard;
            e.heardWallMillis = System.currentTimeMillis() - (now - heard) / 1_000_000;
        }
        evaluate(record.dc(), e);
    }

    public DcStatus status(String dc) {
        if (dc.equals(self)) {
            return DcStatus.ALIVE;
        }
        Entry e = dcs.get(dc);
        return e == null ? DcStatus.GONE : statusOf(e);
    }

    private DcStatus statusOf(Entry e) {
        long silent = nanoTime.getAsLong() - e.heardNanos;
        if (silent >= goneAfterNanos) {
            return DcStatus.GONE;
        }
        return silent >= suspectAfterNanos ? DcStatus.SUSPECT : DcStatus.ALIVE;
    }

    /** The peer address ({@code host:port}) a DC announced, or null if never heard of. */
    public String peerAddress(String dc) {
        if (dc.equals(self)) {
            return selfRecord().peer();
        }
        Entry e = dcs.get(dc);
        return e == null || e.record == null ? null : e.record.peer();
    }

    /** Re-judges every DC and tells listeners of changes; run periodically. */
    public void evaluateAll() {
        dcs.forEach(this::evaluate);
    }

    private void evaluate(String dc, Entry e) {
        DcStatus now = statusOf(e);
        DcStatus before;
        synchronized (e) {
            before = e.reported;
            if (before == now) {
                return;
            }
            e.reported = now;
        }
        if (now == DcStatus.ALIVE) {
            LOG.info("DC {} is {} (was {})", dc, now.wireName(), before.wireName());
        } else {
            LOG.warn("DC {} is {} (silent for {} ms)", dc, now.wireName(), (nanoTime.getAsLong() - e.heardNanos) / 1_000_000);
        }
        for (Listener l : listeners) {
            l.changed(dc, before, now);
        }
    }

    /** Every DC heard of, this one first, then by name. */
    public List<DcView> dcs() {
        List<DcView> out = new ArrayList<>();
        DcRecord me = selfRecord();
        out.add(new DcView(self, me.peer(), DcStatus.ALIVE, System.currentTimeMillis(), me.softwareVersion(),
                me.filesHeld(), me.bytesHeld(), me.imagesHomed(), true));
        List<String> names = new ArrayList<>(dcs.keySet());
        names.sort(Comparator.naturalOrder());
        for (String n : names) {
            Entry e = dcs.get(n);
            DcRecord r = e.record;
            out.add(new DcView(n, r.peer(), statusOf(e), e.heardWallMillis, r.softwareVersion(), r.filesHeld(),
                    r.bytesHeld(), r.imagesHomed(), false));
        }
        return out;
    }

    /** DCs alive right now, this one included. */
    public int aliveCount() {
        int n = 1;
        for (Entry e : dcs.values()) {
            if (statusOf(e) == DcStatus.ALIVE) {
                n++;
            }
        }
        return n;
    }

    public String self() {
        return self;
    }
}
