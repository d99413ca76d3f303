package io.imgfed.federation.board;

import com.hazelcast.replicatedmap.ReplicatedMap;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts this DC's records on the board's replicated map, on a thread of its own. Whatever was queued since the
 * last write goes in one {@code putAll}, which Hazelcast sends to the partition owners in parallel, and only the
 * newest record under each key is put. A put waits for its key's partition owner to answer, a round trip that
 * between continents takes up to 300 ms: one put after another, a DC would put about five records a second,
 * and its heartbeat would wait behind any burst of publications.
 */
final class BoardWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BoardWriter.class);
    /** Records per putAll. */
    static final int BATCH = 500;

    private final ReplicatedMap<String, byte[]> map;
    private final Function<String, byte[]> newest;
    private final ExecutorService thread;
    /** Keys to put at the next write; guarded by {@code this}. */
    private final Set<String> queued = new LinkedHashSet<>();
    private boolean writeQueued;
    /** What was last put (or tried) under each key. */
    private final Map<String, byte[]> put = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param newest this DC's current record under a key (null when it publishes none)
     */
    BoardWriter(ReplicatedMap<String, byte[]> map, Function<String, byte[]> newest, String dc) {
        this.map = map;
        this.newest = newest;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "imgfed-publish-" + dc);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues the newest record under {@code key} for the next write. */
    void put(String key) {
        putAll(Set.of(key));
    }

    /** Queues the newest records under {@code keys}, whatever was put before (after joins and merges). */
    void putAll(Collection<String> keys) {
        synchronized (this) {
            queued.addAll(keys);
            if (writeQueued) {
                return;
            }
            writeQueued = true;
        }
        try {
            thread.execute(this::write);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** What was last put under {@code key}; differs from the newest record only while a put is queued. */
    byte[] lastPut(String key) {
        return put.get(key);
    }

    private void write() {
        Set<String> keys;
        synchronized (this) {
            keys = new LinkedHashSet<>(queued);
            queued.clear();
            writeQueued = false;
        }
        Map<String, byte[]> batch = new HashMap<>();
        for (String key : keys) {
            byte[] record = newest.apply(key);
            if (record != null) {
                batch.put(key, record);
            }
            if (batch.size() == BATCH) {
                write(batch);
                batch = new HashMap<>();
            }
        }
        write(batch);
    }

    private void write(Map<String, byte[]> batch) {
        if (closed || batch.isEmpty()) {
            return;
        }
        put.putAll(batch);
        try {
            map.putAll(batch);
        } catch (RuntimeException e) {
            LOG.warn("putting {} record(s) on the board failed (will be re-announced): {}", batch.size(), e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
