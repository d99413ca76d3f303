package io.imgfed.transfer.billing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing events on their way to Kafka, and the checkpoints of transfers still running, in one SQLite database
 * ({@code <dir>/outbox.db}, WAL, {@code synchronous=FULL}): nothing a crash, a full disk or a Kafka outage does
 * loses an event that {@link #append} acknowledged. SQLite commits a batch whole or not at all, so an append that
 * fails (disk full, read-only, I/O error) leaves no trace and takes nothing written before it with it.
 *
 * <p>An event id is written once with one content: appending an id the outbox already holds changes nothing. A
 * transfer's final events and the removal of its checkpoint are one transaction, so a crash never leaves both.
 * Acknowledged events stay (marked) for {@link #RETENTION_MILLIS} so that a late duplicate is still recognised.
 *
 * <p>All writes go through one thread, which commits whatever queued up meanwhile in one transaction (group
 * commit: one fsync for many appends).
 */
public final class Outbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    /** Larger than any event we make; a bigger one is a bug, refused before it reaches the batch. */
    public static final int MAX_EVENT_BYTES = 1 << 20;
    static final String FILE = "outbox.db";
    static final long RETENTION_MILLIS = TimeUnit.DAYS.toMillis(7);
    private static final long PRUNE_INTERVAL_MILLIS = TimeUnit.HOURS.toMillis(1);

    /** An event to append: its id (unique), its Kafka key and its bytes. */
    public record Event(String id, String key, byte[] payload) {
    }

    /** A pending event: its sequence number, Kafka key and bytes. */
    public record Entry(long seq, String key, byte[] payload) {
    }

    /** The checkpoint of a transfer that was running when the previous process stopped. */
    public record Checkpoint(String transferId, byte[] state) {
    }

    private sealed interface Op permits Append, Ack, Save, Prune, Retry {
    }

    private record Append(List<Event> events, String finishedTransfer, CompletableFuture<Void> done) implements Op {
    }

    private record Ack(long seq) implements Op {
    }

    private record Save(String transferId) implements Op {
    }

    private record Prune() implements Op {
    }

    /** Commits what a failed commit left (acknowledgements, checkpoints). */
    private record Retry() implements Op {
    }

    private final Path dir;
    private final Connection writeConn;
    private final Connection readConn;
    private final BlockingQueue<Op> work = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Newest checkpoint per running transfer not yet written; the writer takes them. */
    private final Map<String, byte[]> checkpoints = new ConcurrentHashMap<>();
    /** Acknowledged by Kafka, not yet marked on disk: never handed out again. */
    private final Set<Long> ackedInMemory = ConcurrentHashMap.newKeySet();
    private final AtomicLong pendingCount = new AtomicLong();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong appended = new AtomicLong();
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();
    private final List<Checkpoint> leftovers;
    /** Transfers whose final events were appended: a late checkpoint must not bring them back. */
    private final Set<String> finished = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });
    private volatile boolean closed;
    private long lastPrune;
    /** Commits failed in a row; leftovers are retried after a backoff that grows with it. */
    private int failures;
    private long retryAt;

    private Outbox(Path dir, Connection writeConn, Connection readConn, List<Checkpoint> leftovers) {
        this.dir = dir;
        this.writeConn = writeConn;
        this.readConn = readConn;
        this.leftovers = leftovers;
        this.writer = new Thread(this::run, "imgfed-outbox");
        this.writer.setDaemon(true);
    }

    /** Opens (or creates) the outbox in {@code dir}, taking over the events of an outbox of the old file format. */
    public static Outbox open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Connection w = null;
        Connection r = null;
        try {
            w = connect(dir);
            try (Statement s = w.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS events ("
                        + "seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, kafka_key TEXT NOT NULL, "
                        + "payload BLOB NOT NULL, appended_at INTEGER NOT NULL, acked_at INTEGER)");
                s.execute("CREATE INDEX IF NOT EXISTS events_pending ON events(seq) WHERE acked_at IS NULL");
                s.execute("CREATE TABLE IF NOT EXISTS running_transfers ("
                        + "transfer_id TEXT PRIMARY KEY, state BLOB NOT NULL, updated_at INTEGER NOT NULL)");
            }
            LegacyOutbox.importInto(dir, w);
            r = connect(dir);
            List<Checkpoint> left = new ArrayList<>();
            try (Statement s = w.createStatement();
                    ResultSet rs = s.executeQuery("SELECT transfer_id, state FROM running_transfers")) {
                while (rs.next()) {
                    left.add(new Checkpoint(rs.getString(1), rs.getBytes(2)));
                }
            }
            Outbox o = new Outbox(dir, w, r, List.copyOf(left));
            try (Statement s = w.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(length(payload)), 0) FROM events "
                            + "WHERE acked_at IS NULL")) {
                rs.next();
                o.pendingCount.set(rs.getLong(1));
                o.pendingBytes.set(rs.getLong(2));
            }
            if (o.pendingCount.get() > 0) {
                LOG.info("billing outbox {}: {} event(s) waiting for Kafka", dir, o.pendingCount.get());
            }
            o.writer.start();
            return o;
        } catch (SQLException e) {
            closeQuietly(r);
            closeQuietly(w);
            throw new IOException("cannot open the billing outbox in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(Path dir) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(FILE).toAbsolutePath());
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=10000");
        }
        return c;
    }

    /**
     * Appends events durably: the future completes once they are committed (fsynced), and fails, with nothing
     * written, if they could not be. An event whose id is already stored is skipped.
     */
    public CompletableFuture<Void> append(List<Event> events) {
        return append(events, null);
    }

    /**
     * Appends a transfer's final events and drops its checkpoint in one transaction: after a crash there is either
     * the checkpoint (the transfer is resumed or billed as interrupted) or the events, never both.
     */
    public CompletableFuture<Void> append(List<Event> events, String finishedTransferId) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        for (Event e : events) {
            if (e.payload().length > MAX_EVENT_BYTES || e.id() == null || e.key() == null) {
                f.completeExceptionally(new IllegalArgumentException("a billing event needs an id, a key and at most "
                        + MAX_EVENT_BYTES + " bytes"));
                return f;
            }
        }
        if (closed) {
            f.completeExceptionally(new IOException("billing outbox is closed"));
            return f;
        }
        if (finishedTransferId != null) {
            synchronized (finished) {
                finished.add(finishedTransferId);
            }
        }
        work.add(new Append(List.copyOf(events), finishedTransferId, f));
        return f;
    }

    /**
     * Records what a running transfer would bill if it stopped now, replacing its previous checkpoint. Written with
     * the next commit; never blocks. A checkpoint that cannot be written waits for the next commit that can.
     */
    public void checkpoint(String transferId, byte[] state) {
        synchronized (finished) {
            if (finished.contains(transferId)) {
                return;
            }
        }
        if (checkpoints.put(transferId, state) == null && !closed) {
            work.add(new Save(transferId));
        }
    }

    /** The checkpoints the previous process left: transfers running when it stopped. */
    public List<Checkpoint> leftovers() {
        return leftovers;
    }

    /** Called after events were committed (on the outbox thread): wakes the publisher. */
    public void onAppend(Runnable r) {
        appendListeners.add(r);
    }

    /** Up to {@code max} unacknowledged events in order, leaving out {@code skip} (those in flight). */
    public List<Entry> pending(int max, Set<Long> skip) throws IOException {
        Set<Long> exclude = new HashSet<>(skip);
        exclude.addAll(ackedInMemory);
        List<Entry> out = new ArrayList<>();
        synchronized (readConn) {
            try (PreparedStatement ps = readConn.prepareStatement(
                    "SELECT seq, kafka_key, payload FROM events WHERE acked_at IS NULL ORDER BY seq LIMIT ?")) {
                ps.setInt(1, max + exclude.size());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && out.size() < max) {
                        long seq = rs.getLong(1);
                        if (!exclude.contains(seq)) {
                            out.add(new Entry(seq, rs.getString(2), rs.getBytes(3)));
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IOException("reading the billing outbox: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Records Kafka's acknowledgement of an event. The event is never handed out again from now on; the mark
     * reaches the disk with the next commit (after a crash before it, the event is sent again: consumers dedupe).
     */
    public void ack(long seq, int payloadBytes) {
        if (ackedInMemory.add(seq)) {
            pendingCount.decrementAndGet();
            pendingBytes.addAndGet(-payloadBytes);
            work.add(new Ack(seq));
        }
    }

    /** Events not yet acknowledged by Kafka. */
    public long pendingCount() {
        return pendingCount.get();
    }

    public long pendingBytes() {
        return pendingBytes.get();
    }

    /** Events appended since this outbox was opened. */
    public long appendedCount() {
        return appended.get();
    }

    public Path dir() {
        return dir;
    }

    private void run() {
        List<Op> batch = new ArrayList<>();
        List<Long> retryAcks = new ArrayList<>();
        while (!closed || !work.isEmpty()) {
            try {
                Op first = work.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    boolean leftovers = !retryAcks.isEmpty() || !checkpoints.isEmpty();
                    if (leftovers && !closed && System.currentTimeMillis() >= retryAt) {
                        first = new Retry();
                    } else {
                        maybePrune();
                        continue;
                    }
                }
                batch.clear();
                batch.add(first);
                work.drainTo(batch);
                commit(batch, retryAcks);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("billing outbox writer failed", e);
            }
        }
    }

    /** Writes one batch in one transaction; on failure nothing of it is on disk and the appends fail. */
    private void commit(List<Op> batch, List<Long> retryAcks) {
        List<Append> appends = new ArrayList<>();
        List<Long> acks = new ArrayList<>(retryAcks);
        boolean prune = false;
        for (Op op : batch) {
            if (op instanceof Append a) {
                appends.add(a);
            } else if (op instanceof Ack a) {
                acks.add(a.seq());
            } else if (op instanceof Prune) {
                prune = true;
            }
            // Save and Retry only wake the writer: checkpoints and failed leftovers are taken below
        }
        Map<String, byte[]> saves = new LinkedHashMap<>();
        for (String id : List.copyOf(checkpoints.keySet())) {
            byte[] state = checkpoints.remove(id);
            if (state != null) {
                saves.put(id, state);
            }
        }
        long now = System.currentTimeMillis();
        OutboxTransaction.Inserted inserted;
        try {
            writeConn.setAutoCommit(false);
            List<OutboxTransaction.Append> batchAppends = new ArrayList<>();
            for (Append a : appends) {
                batchAppends.add(new OutboxTransaction.Append(a.events(), a.finishedTransfer()));
            }
            inserted = OutboxTransaction.run(writeConn, now, batchAppends, saves, acks, prune ? now - RETENTION_MILLIS : 0);
            writeConn.commit();
        } catch (SQLException | RuntimeException e) {
            rollback();
            failures++;
            retryAt = System.currentTimeMillis() + Math.min(30_000L, 500L << Math.min(6, failures));
            if (failures == 1) {
                LOG.error("billing outbox: a commit failed, nothing of it was written (retried): {}", e.toString());
            } else {
                LOG.debug("billing outbox: commit failed again ({} in a row): {}", failures, e.toString());
            }
            IOException failure = new IOException("the billing outbox cannot take events: " + e.getMessage(), e);
            for (Append a : appends) {
                a.done().completeExceptionally(failure);
            }
            // Acknowledgements and checkpoints are only kept for later; they are retried with the next commit.
            retryAcks.clear();
            retryAcks.addAll(acks);
            saves.forEach(checkpoints::putIfAbsent);
            return;
        } finally {
            try {
                writeConn.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the next batch sets it again
            }
        }
        if (failures > 0) {
            LOG.info("billing outbox: commits succeed again after {} failure(s)", failures);
            failures = 0;
        }
        retryAcks.clear();
        for (long seq : acks) {
            ackedInMemory.remove(seq);
        }
        pendingCount.addAndGet(inserted.events());
        pendingBytes.addAndGet(inserted.bytes());
        appended.addAndGet(inserted.events());
        for (Append a : appends) {
            a.done().complete(null);
        }
        if (inserted.events() > 0) {
            appendListeners.forEach(Runnable::run);
        }
    }

    private void maybePrune() {
        long now = System.currentTimeMillis();
        if (now - lastPrune >= PRUNE_INTERVAL_MILLIS && !closed) {
            lastPrune = now;
            work.add(new Prune());
        }
    }

    private void rollback() {
        try {
            writeConn.rollback();
        } catch (SQLException ignored) {
            // the connection is in trouble already; SQLite rolls back an unfinished transaction itself
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    /** Writes what is queued (acknowledgements, checkpoints, appends), then closes the database. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (readConn) {
            closeQuietly(readConn);
        }
        closeQuietly(writeConn);
    }
}
