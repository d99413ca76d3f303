package io.imgfed.federation.board;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.FederationMetrics;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.federation.trust.TrustPolicy;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.federation.RecordFormat;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The federation's shared board of signed records. Publishing signs a fact with this DC's key and a new
 * version; receiving decodes, checks that the record sits under its own key, verifies its signature with the
 * key trusted for its DC, keeps it only if newer than what was accepted, and hands it to the handler of its
 * kind. Everything else is dropped and counted in {@code imgfed_records_rejected_total}.
 *
 * <p>A record travels twice: put on the replicated map (the state every member keeps, read again after merges)
 * and sent straight to every member ({@link RecordFanout}, one hop where the map's put takes two). Whichever
 * arrives first is taken; the other is older or equal and dropped.
 *
 * <p>All receiving runs on one thread, so handlers need no locking among themselves; in arrival order, except
 * that keys and heartbeats go ahead of image records waiting in a backlog.
 */
public final class RecordBoard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecordBoard.class);
    /** How long a record may wait for its DC's key before it counts as signed by an unknown key. */
    private static final long UNKNOWN_KEY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int REJECTION_MEMORY = 10_000;
    /**
     * After a membership change or a merge the board is read again at these delays (seconds). A member that
     * merged back after a partition can reject the other side's fresh puts as stale (Hazelcast compares per
     * partition version counters that both sides advanced on their own) until Hazelcast's anti-entropy round,
     * every 30 s, syncs its replica, and that sync fires no entry events: the last re-read comes after it.
     */
    private static final long[] SETTLE_RESCANS_SECONDS = {3, 10, 35};
    /** A full re-read of the board this often catches anything else that reached the replica without an event. */
    private static final long CATCH_UP_SECONDS = 60;

    /**
     * Told about a record in this DC's name that this DC does not publish now (left from before a restart):
     * the owner of the kind decides what to publish in its place.
     */
    @FunctionalInterface
    public interface UnclaimedHandler {
        void unclaimed(String id);
    }

    /** Receives verified, newer records of one kind from other DCs (on the board thread). */
    @FunctionalInterface
    public interface Handler {
        void accept(SignedRecord record, JsonNode payload) throws MalformedRecordException;
    }

    private final ReplicatedMap<String, byte[]> map;
    private final SigningIdentity self;
    private final TrustPolicy trust;
    private final VersionClock clock;
    private final FederationMetrics metrics;
    private final ThreadPoolExecutor receiver;
    private final RecordFanout fanout;
    private final BoardWriter writer;
    private final ScheduledExecutorService timer;
    private final Map<RecordKind, List<Handler>> handlers = new EnumMap<>(RecordKind.class);
    private final Map<RecordKind, UnclaimedHandler> unclaimedHandlers = new EnumMap<>(RecordKind.class);
    private final AcceptedVersions accepted = new AcceptedVersions();
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, Boolean> rejectedValues = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REJECTION_MEMORY;
        }
    };
    private final Map<String, byte[]> published = new ConcurrentHashMap<>();
    private final Map<String, Long> publishedVersion = new ConcurrentHashMap<>();
    private final Map<String, SignedRecord> publishedRecords = new ConcurrentHashMap<>();
    private final List<Runnable> rescanListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong taskSeq = new AtomicLong();
    private final AtomicBoolean expireQueued = new AtomicBoolean();
    private final AtomicBoolean reannounceQueued = new AtomicBoolean();
    private final AtomicBoolean rescanQueued = new AtomicBoolean();
    /**
     * The wire form this DC writes: {@link RecordFormat#COMPACT} once the board was read through and every other
     * DC's key record says it reads it, else JSON. Changed (and {@link #published} re-encoded) under
     * {@link #encodingLock}, so no record is put in a form that was already given up.
     */
    private volatile RecordFormat format = RecordFormat.JSON;
    private final Object encodingLock = new Object();
    /** The newest record format each other DC announced it reads (board thread). */
    private final Map<String, Integer> formatsRead = new HashMap<>();
    private boolean readThrough;
    private volatile boolean closed;
    private java.util.UUID listenerId;

    private record Pending(byte[] value, long firstSeenNanos) {
    }

    /** A board on the map alone, without the fast path (tests). */
    public RecordBoard(ReplicatedMap<String, byte[]> map, SigningIdentity self, TrustPolicy trust, VersionClock clock,
            FederationMetrics metrics) {
        this(map, RecordFanout.NONE, self, trust, clock, metrics);
    }

    public RecordBoard(ReplicatedMap<String, byte[]> map, RecordFanout fanout, SigningIdentity self, TrustPolicy trust,
            VersionClock clock, FederationMetrics metrics) {
        this.map = map;
        this.fanout = fanout;
        this.self = self;
        this.trust = trust;
        this.clock = clock;
        this.metrics = metrics;
        this.receiver = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(),
                r -> daemonThread(r, "imgfed-board-" + self.dc()));
        this.writer = new BoardWriter(map, published::get, self.dc());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "imgfed-board-timer-" + self.dc()));
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Registers a handler; do this before {@link #start()}. */
    public synchronized void on(RecordKind kind, Handler handler) {
        handlers.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(handler);
    }

    /** Registers who decides about this DC's leftover records of a kind; do this before {@link #start()}. */
    public synchronized void onUnclaimed(RecordKind kind, UnclaimedHandler handler) {
        unclaimedHandlers.put(kind, handler);
    }

    /** Called on the board thread after every full rescan (start, merge, membership change). */
    public void onRescan(Runnable r) {
        rescanListeners.add(r);
    }

    /** Listens to the board, announces this DC's key and reads every record already on it. */
    public void start() {
        listenerId = map.addEntryListener(new EntryListener<>() {
            @Override
            public void entryAdded(EntryEvent<String, byte[]> e) {
                submit(() -> receive(e.getKey(), e.getValue()), priorityOf(e.getKey()));
            }

            @Override
            public void entryUpdated(EntryEvent<String, byte[]> e) {
                submit(() -> receive(e.getKey(), e.getValue()), priorityOf(e.getKey()));
            }

            @Override
            public void entryRemoved(EntryEvent<String, byte[]> e) {
                submit(() -> removed(e.getKey()));
            }

            @Override
            public void entryEvicted(EntryEvent<String, byte[]> e) {
                submit(() -> removed(e.getKey()));
            }

            @Override
            public void entryExpired(EntryEvent<String, byte[]> e) {
                submit(() -> removed(e.getKey()));
            }

            @Override
            public void mapCleared(MapEvent e) {
                submit(RecordBoard.this::reannounce);
            }

            @Override
            public void mapEvicted(MapEvent e) {
                submit(RecordBoard.this::reannounce);
            }
        });
        fanout.listen(record -> submit(() -> receiveSent(record), priorityOfSent(record)));
        publish(RecordKind.KEY, "", self.keyRecord().toPayload());
        // On the board thread like all receiving (never the caller's, e.g. an event loop).
        submit(this::rescan);
        timer.scheduleWithFixedDelay(() -> submitOnce(expireQueued, this::expirePending), 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(() -> submitOnce(reannounceQueued, this::reannounce), 10, 10, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(() -> submitOnce(rescanQueued, this::rescan), CATCH_UP_SECONDS, CATCH_UP_SECONDS,
                TimeUnit.SECONDS);
    }

    /**
     * Signs and publishes a record of this DC: sent to every member at once, and put on the board in the next
     * write (in call order). The record replaces this DC's previous record under the same key.
     */
    public void publish(RecordKind kind, String id, byte[] payload) {
        long now = System.currentTimeMillis();
        SignedRecord r = SignedRecord.sign(kind, self.dc(), id, clock.next(), now, payload, self.privateKey());
        String key = r.boardKey();
        byte[] bytes;
        synchronized (encodingLock) {
            bytes = r.encode(format);
            published.put(key, bytes);
            publishedVersion.put(key, r.version());
            publishedRecords.put(key, r);
        }
        if (!closed) {
            fanout.send(bytes);
            writer.put(key);
        }
    }

    /**
     * Full re-read of the board and re-announcement of this DC's records, and re-reads in the following seconds
     * ({@link #SETTLE_RESCANS_SECONDS}); after merges and membership changes.
     */
    public void resync() {
        submit(() -> {
            reannounce();
            rescan();
        });
        for (long delay : SETTLE_RESCANS_SECONDS) {
            try {
                timer.schedule(() -> submit(this::rescan), delay, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                return; // closing
            }
        }
    }

    /**
     * Puts every current record of this DC on the board again, whatever the local replica holds, and sends each
     * to every member; after a member
     * joined or a partition healed. Hazelcast fills the replica of a member that merged back by its anti-entropy
     * sync (every 30 s), which fires no entry events: without a fresh put, the records this DC wrote while the
     * other side was cut off (files it came to hold, images it published) would reach that side's handlers only
     * by a re-read, since they are not rewritten by themselves. A put fires the entry event on every member
     * that accepts it, which makes the heal converge within seconds in most cases ({@link #resync()} covers the
     * rest). The records sent reach the other side's handlers directly, also where its replica still rejects
     * the puts as stale.
     */
    public void republish() {
        if (closed) {
            return;
        }
        published.values().forEach(fanout::send);
        writer.putAll(List.copyOf(published.keySet()));
    }

    private void submit(Runnable task) {
        submit(task, ORDINARY);
    }

    private void submit(Runnable task, int priority) {
        if (closed) {
            return;
        }
        try {
            receiver.execute(new BoardTask(priority, taskSeq.incrementAndGet(), () -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("board processing failed", e);
                }
            }));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * A periodic task is queued again only once the last one ran: while the board thread works through a large
     * backlog (a DC catching up with a million records), timers would otherwise pile up rescans of the whole
     * board behind it.
     */
    private void submitOnce(AtomicBoolean queued, Runnable task) {
        if (queued.compareAndSet(false, true)) {
            submit(() -> {
                queued.set(false);
                task.run();
            });
        }
    }

    /**
     * Keys and heartbeats go ahead of queued image records: they are few, and a DC working through a backlog
     * of records must not take the other DCs for gone (nor wait for their keys) because their heartbeats queue
     * behind a million manifests. Within a priority, arrival order is kept.
     */
    private static int priorityOf(String boardKey) {
        return boardKey.startsWith(RecordKind.DC.prefix() + "/") || boardKey.startsWith(RecordKind.KEY.prefix() + "/")
                ? URGENT : ORDINARY;
    }

    private static final int URGENT = 0;
    private static final int ORDINARY = 1;

    /** A unit of work for the board thread, ordered by priority, then by when it was submitted. */
    private record BoardTask(int priority, long seq, Runnable body) implements Runnable, Comparable<BoardTask> {
        @Override
        public void run() {
            body.run();
        }

        @Override
        public int compareTo(BoardTask o) {
            return priority != o.priority ? Integer.compare(priority, o.priority) : Long.compare(seq, o.seq);
        }
    }

    /** Puts back any record of ours the board lost or that someone overwrote. */
    private void reannounce() {
        int fixed = 0;
        for (Map.Entry<String, byte[]> e : published.entrySet()) {
            byte[] lastPut = writer.lastPut(e.getKey());
            if (lastPut != e.getValue()) {
                continue; // a newer publication is still queued; it will land by itself
            }
            byte[] onBoard = map.get(e.getKey());
            if (!Arrays.equals(onBoard, lastPut)) {
                writer.put(e.getKey());
                fixed++;
            }
        }
        if (fixed > 0) {
            LOG.info("re-announced {} record(s) missing from or overwritten on the board", fixed);
        }
    }

    /** The priority of a record another member sent straight here: that of its board key. */
    private static int priorityOfSent(byte[] value) {
        try {
            return priorityOf(SignedRecord.decode(value).boardKey());
        } catch (MalformedRecordException e) {
            return ORDINARY;
        }
    }

    /** A record another member sent straight here (the fast path): taken like one read from the board. */
    private void receiveSent(byte[] value) {
        SignedRecord r;
        try {
            r = SignedRecord.decode(value);
        } catch (MalformedRecordException e) {
            rejectOnce("(sent)", value, "malformed");
            return;
        }
        receive(r.boardKey(), value);
    }

    private void rescan() {
        // The keys, then each value as it is read: the map's entries all at once (a copy of every record, two
        // million at a million images) lived through the whole rescan, long enough for the collector to copy
        // them into the old generation at every rescan, with young pauses of a tenth of a second.
        List<String> keys = new ArrayList<>(map.keySet());
        // Keys first, so that every other record finds its DC's key already trusted.
        for (String k : keys) {
            if (k.startsWith("k/")) {
                receive(k, map.get(k));
            }
        }
        for (String k : keys) {
            if (!k.startsWith("k/")) {
                receive(k, map.get(k));
            }
        }
        readThrough = true;
        chooseFormat();
        for (Runnable r : rescanListeners) {
            r.run();
        }
    }

    /**
     * Writes the compact form once every DC known reads it, and JSON again as soon as one that does not shows up
     * (a DC not yet upgraded, or rolled back); every record of this DC is then put again in the new form. Until
     * the board was read through once this DC cannot know who is there, so it writes JSON.
     */
    private void chooseFormat() {
        boolean allRead = formatsRead.values().stream().allMatch(n -> n >= RecordFormat.COMPACT.number());
        RecordFormat target = readThrough && allRead ? RecordFormat.COMPACT : RecordFormat.JSON;
        if (target == format) {
            return;
        }
        LOG.info("writing federation records in the {} form from now on ({} DC(s) known)", target, formatsRead.size());
        synchronized (encodingLock) {
            format = target;
            for (Map.Entry<String, SignedRecord> e : publishedRecords.entrySet()) {
                published.put(e.getKey(), e.getValue().encode(target));
            }
        }
        republish();
    }

    /** The wire form this DC writes now. */
    public RecordFormat format() {
        return format;
    }

    private void removed(String key) {
        if (published.containsKey(key)) {
            reput(key);
        }
    }

    private void receive(String boardKey, byte[] value) {
        if (value == null) {
            return;
        }
        byte[] mine = published.get(boardKey);
        if (mine != null) {
            if (!Arrays.equals(mine, value)) {
                ownRecordChanged(boardKey, value);
            }
            return;
        }
        SignedRecord r;
        try {
            r = SignedRecord.decode(value);
        } catch (MalformedRecordException e) {
            rejectOnce(boardKey, value, "malformed");
            return;
        }
        if (!r.boardKey().equals(boardKey)) {
            rejectOnce(boardKey, value, "malformed");
            return;
        }
        if (r.dc().equals(self.dc())) {
            // A record in this DC's name that this DC does not publish now: left from before a restart, or forged.
            if (!r.verify(self.publicKey())) {
                rejectOnce(boardKey, value, "bad_signature");
            } else {
                // Whatever replaces it must carry a newer version than it, whatever the clock says now.
                clock.observe(r.version());
                UnclaimedHandler h = unclaimedHandlers.get(r.kind());
                if (h != null) {
                    h.unclaimed(r.id());
                }
            }
            return;
        }
        if (accepted.get(r) >= r.version()) {
            return;
        }
        PublicKey key;
        if (r.kind() == RecordKind.KEY) {
            key = admitKey(r, boardKey, value);
            if (key == null) {
                return;
            }
        } else {
            TrustPolicy.Verdict trusted = trust.current(r.dc());
            if (trusted == null) {
                pending.putIfAbsent(boardKey, new Pending(value, System.nanoTime()));
                return;
            }
            if (!trusted.accepted()) {
                // The DC's key no longer counts (its certificate expired): its newer records are not believed.
                rejectOnce(boardKey, value, trusted.rejectReason());
                return;
            }
            key = trusted.key();
            if (!r.verify(key)) {
                rejectOnce(boardKey, value, "bad_signature");
                return;
            }
        }
        pending.remove(boardKey);
        accepted.put(r);
        if (r.kind() == RecordKind.KEY) {
            noteFormat(r);
        }
        metrics.lag(Duration.ofMillis(System.currentTimeMillis() - r.publishedAtMillis()));
        dispatch(r, boardKey, value);
        if (r.kind() == RecordKind.KEY) {
            retryPending(r.dc());
        }
    }

    /**
     * A record under one of this DC's keys differs from what this DC published last. An older publication of
     * its own arriving late is harmless; anything else (not signed by this DC) is forged and is replaced by
     * this DC's record.
     */
    private void ownRecordChanged(String boardKey, byte[] value) {
        SignedRecord r;
        try {
            r = SignedRecord.decode(value);
        } catch (MalformedRecordException e) {
            rejectOnce(boardKey, value, "malformed");
            reput(boardKey);
            return;
        }
        if (!r.boardKey().equals(boardKey) || !r.verify(self.publicKey())) {
            rejectOnce(boardKey, value, "bad_signature");
            reput(boardKey);
            return;
        }
        if (r.equals(publishedRecords.get(boardKey))) {
            // Our latest record in the other wire form (put before a change of form, arriving late).
            if (!Arrays.equals(map.get(boardKey), published.get(boardKey))) {
                reput(boardKey);
            }
            return;
        }
        Long current = publishedVersion.get(boardKey);
        if (current != null && r.version() < current) {
            // An older publication of ours (a replay, a stale replica after a merge): not a forgery, but the board
            // now holds it, so put the newest back; only this key, however many there are.
            if (!Arrays.equals(map.get(boardKey), published.get(boardKey))) {
                reput(boardKey);
            }
            return;
        }
        // Ours, and at least as new as our latest: left from before a restart with the clock behind. The other
        // DCs keep only newer versions, so move the clock past it and sign the current content again.
        clock.observe(r.version());
        SignedRecord latest = publishedRecords.get(boardKey);
        if (latest != null) {
            publish(latest.kind(), latest.id(), latest.payload());
        }
    }

    /** Puts this DC's latest record under a key back on the board. */
    private void reput(String key) {
        if (published.containsKey(key)) {
            writer.put(key);
        }
    }

    private void noteFormat(SignedRecord r) {
        try {
            Integer before = formatsRead.put(r.dc(), KeyRecord.fromPayload(r.payloadJson()).reads());
            if (!java.util.Objects.equals(before, formatsRead.get(r.dc()))) {
                chooseFormat();
            }
        } catch (MalformedRecordException e) {
            // admitKey read it already
        }
    }

    private PublicKey admitKey(SignedRecord r, String boardKey, byte[] value) {
        KeyRecord announcement;
        try {
            announcement = KeyRecord.fromPayload(r.payloadJson());
        } catch (MalformedRecordException e) {
            rejectOnce(boardKey, value, "malformed");
            return null;
        }
        PublicKey announced = io.imgfed.protocol.federation.Ed25519.publicKey(announcement.publicKey());
        if (!announcement.dc().equals(r.dc()) || announced == null || !r.verify(announced)) {
            rejectOnce(boardKey, value, "bad_signature");
            return null;
        }
        TrustPolicy.Verdict v = trust.admit(announcement);
        if (!v.accepted()) {
            rejectOnce(boardKey, value, v.rejectReason());
            return null;
        }
        return v.key();
    }

    private void dispatch(SignedRecord r, String boardKey, byte[] value) {
        List<Handler> hs = handlers.get(r.kind());
        if (hs == null) {
            return;
        }
        JsonNode payload;
        try {
            payload = r.payloadJson();
            for (Handler h : hs) {
                h.accept(r, payload);
            }
        } catch (MalformedRecordException e) {
            LOG.warn("record {} of DC {} is signed but unreadable: {}", boardKey, r.dc(), e.getMessage());
            rejectOnce(boardKey, value, "malformed");
        }
    }

    private void retryPending(String dc) {
        List<Map.Entry<String, Pending>> ready = new ArrayList<>();
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            if (e.getKey().startsWith("m/" + dc + "/") || e.getKey().startsWith("a/" + dc + "/")
                    || e.getKey().equals("d/" + dc)) {
                ready.add(e);
            }
        }
        for (Map.Entry<String, Pending> e : ready) {
            pending.remove(e.getKey());
            receive(e.getKey(), e.getValue().value());
        }
    }

    private void expirePending() {
        long now = System.nanoTime();
        Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Pending> e = it.next();
            if (now - e.getValue().firstSeenNanos() > UNKNOWN_KEY_GRACE_NANOS) {
                it.remove();
                rejectOnce(e.getKey(), e.getValue().value(), "unknown_key");
            }
        }
    }

    private void rejectOnce(String boardKey, byte[] value, String reason) {
        String id = boardKey + "#" + fingerprint(value);
        if (rejectedValues.put(id, Boolean.TRUE) == null) {
            metrics.rejected(reason);
            LOG.warn("dropped record {} from the federation board: {}", printable(boardKey), reason);
        }
    }

    private static String fingerprint(byte[] value) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return cut.replaceAll("[^A-Za-z0-9/._-]", "?");
    }

    /** Records of this DC currently published (board key to encoded record); for tests and re-announcement. */
    public Set<String> publishedKeys() {
        return published.keySet();
    }

    /** Board events and tasks waiting for the board thread: how far receiving lags behind the board. */
    public int backlog() {
        return receiver.getQueue().size();
    }

    /** Runs a task on the board thread (after everything received so far). */
    public void runOnBoardThread(Runnable task) {
        submit(task);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            if (listenerId != null) {
                map.removeEntryListener(listenerId);
            }
        } catch (RuntimeException ignored) {
            // the cluster may already be gone
        }
        fanout.close();
        writer.close();
        receiver.shutdown();
        try {
            receiver.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
