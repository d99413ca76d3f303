package io.imgfed.replicator.catalog;

import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.replicator.storage.DbWriter;
import io.imgfed.transfer.store.DurableDirectories;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every image this DC knows: those homed here and those gossiped from other DCs. Reads come from memory;
 * every change runs on one writer thread (read, decide, write to SQLite, then publish to memory), so two
 * concurrent updates of one image can never lose each other.
 *
 * <p>Changes that read nothing but the image's own state ({@link #mutateOwnState}: what gossip brings from other
 * DCs) are committed in batches of up to {@link #BATCH}, one transaction and one fsync each: a DC that learns a
 * million images from the federation would otherwise spend an fsync (milliseconds) on each. Every future still
 * completes, and every listener is told, only after its change is on disk.
 */
public final class Catalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

    /** Decides the new state of one image from its current one (null when absent); null deletes it. */
    @FunctionalInterface
    public interface Mutation {
        Manifest apply(Manifest current);
    }

    /** Told about every committed change, on the writer thread: keep it short and non-blocking. */
    @FunctionalInterface
    public interface Listener {
        void changed(Manifest before, Manifest after);
    }

    private final Vertx vertx;
    private final String dc;
    private final DbWriter writer;
    private final CatalogDb db;
    private final ImageIndex index = new ImageIndex();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Changes waiting for the writer, in call order; each call also queues one drain of this on the writer. */
    private final Queue<Change> changes = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /** Most changes of images' own state committed in one transaction. */
    static final int BATCH = 512;

    private record Change(String uuid, Mutation mutation, boolean ownStateOnly, Promise<Manifest> promise, Context ctx) {
    }

    private Catalog(Vertx vertx, String dc, DbWriter writer, CatalogDb db) {
        this.vertx = vertx;
        this.dc = dc;
        this.writer = writer;
        this.db = db;
    }

    /** Opens (or creates) {@code <dataDir>/catalog.db} and loads every image into memory. */
    public static Future<Catalog> open(Vertx vertx, Path dataDir, String dc) {
        DbWriter writer = new DbWriter(vertx,
                "imgfed-catalog-" + dc, "catalog");
        return writer.call(() -> {
            DurableDirectories.create(dataDir);
            CatalogDb db = CatalogDb.open(dataDir.resolve("catalog.db"));
            Catalog c = new Catalog(vertx, dc, writer, db);
            List<Manifest> all = db.loadAll();
            all.forEach(c.index::put);
            LOG.info("catalog loaded: {} image(s)", all.size());
            return c;
        }).onFailure(e -> writer.abandon());
    }

    public Optional<Manifest> get(String uuid) {
        return Optional.ofNullable(index.get(uuid));
    }

    /** One ListImages page; throws InvalidParameter for a marker naming an unknown image. */
    public List<Manifest> page(ImageQuery query) {
        return index.page(query);
    }

    public Collection<Manifest> all() {
        return index.all();
    }

    public int size() {
        return index.size();
    }

    /** The images whose file has this sha1 (several images may share one file). */
    public Set<String> imagesWithFile(String sha1) {
        return index.imagesWithFile(sha1);
    }

    /** How many images have this DC as their home. */
    public long countHomedAt(String homeDc) {
        return index.homedAt(homeDc);
    }

    /** A deletion of an image homed here: its uuid and when. */
    public record Deletion(String uuid, long deletedAtMillis) {
    }

    /** Deletions of images homed here since a time, to announce again after a restart. */
    public Future<List<Deletion>> deletionsSince(long sinceMillis) {
        return onWriter(() -> db.tombstonesSince(sinceMillis).stream()
                .map(t -> new Deletion(t.uuid(), t.deletedAtMillis())).toList());
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Applies a mutation to one image on the writer thread and stores the result durably before the future
     * completes. Exceptions thrown by the mutation (such as an ImgapiException) fail the future unchanged.
     * Completes with the image as it now is (null if deleted). The mutation may read the rest of the catalog and
     * sees every change called before it.
     */
    public Future<Manifest> mutate(String uuid, Mutation mutation) {
        return enqueue(uuid, mutation, false);
    }

    /**
     * As {@link #mutate}, for a mutation whose decision depends on nothing but {@code current} (it must not read
     * the rest of the catalog): it may share a transaction with neighbouring ones.
     */
    public Future<Manifest> mutateOwnState(String uuid, Mutation mutation) {
        return enqueue(uuid, mutation, true);
    }

    private Future<Manifest> enqueue(String uuid, Mutation mutation, boolean ownStateOnly) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException("catalog is closed"));
        }
        Promise<Manifest> promise = Promise.promise();
        changes.add(new Change(uuid, mutation, ownStateOnly, promise, vertx.getOrCreateContext()));
        try {
            writer.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return Future.failedFuture(new IllegalStateException("catalog is closed"));
        }
        return promise.future();
    }

    /**
     * On the writer: the next change alone, or the next run of own-state changes as one transaction. Queued once
     * per change, so a change is applied no later than its own drain, in order with the writer's other tasks.
     */
    private void drain() {
        Change first = changes.poll();
        if (first == null) {
            return; // an earlier drain took it
        }
        List<Change> batch = new ArrayList<>();
        batch.add(first);
        while (first.ownStateOnly() && batch.size() < BATCH) {
            Change next = changes.peek();
            if (next == null || !next.ownStateOnly()) {
                break;
            }
            batch.add(changes.poll());
        }
        try {
            commit(batch);
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                fail(first, e);
                return;
            }
            // Find the one that failed: each again in its own transaction (mutations are pure, so this is safe).
            for (Change c : batch) {
                try {
                    commit(List.of(c));
                } catch (SQLException | RuntimeException again) {
                    fail(c, again);
                }
            }
        }
    }

    private record Applied(Change change, Manifest before, Manifest after) {
    }

    /** Decides, writes and commits the changes in one transaction, then publishes them to memory and listeners. */
    private void commit(List<Change> batch) throws SQLException {
        Map<String, Manifest> decided = new HashMap<>();
        List<Applied> applied = new ArrayList<>(batch.size());
        List<Applied> unchanged = new ArrayList<>();
        List<Map.Entry<Change, Throwable>> refused = new ArrayList<>();
        db.begin();
        try {
            for (Change c : batch) {
                Manifest before = decided.containsKey(c.uuid()) ? decided.get(c.uuid()) : index.get(c.uuid());
                Manifest after;
                try {
                    after = c.mutation().apply(before);
                    if (after != null && after != before && !after.uuid().equals(c.uuid())) {
                        throw new IllegalStateException("a mutation of " + c.uuid() + " returned image " + after.uuid());
                    }
                } catch (RuntimeException | Error e) {
                    refused.add(Map.entry(c, e));
                    continue;
                }
                if (after == before) {
                    unchanged.add(new Applied(c, before, after));
                    continue;
                }
                if (after == null) {
                    db.delete(c.uuid(), before.homeDc().equals(dc), System.currentTimeMillis());
                } else {
                    db.upsert(after);
                }
                decided.put(c.uuid(), after);
                applied.add(new Applied(c, before, after));
            }
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        }
        for (Applied a : applied) {
            if (a.after() == null) {
                index.remove(a.change().uuid());
            } else {
                index.put(a.after());
            }
            for (Listener l : listeners) {
                try {
                    l.changed(a.before(), a.after());
                } catch (RuntimeException e) {
                    LOG.error("catalog listener failed for image {}", a.change().uuid(), e);
                }
            }
        }
        for (Applied a : applied) {
            complete(a.change(), a.after());
        }
        for (Applied a : unchanged) {
            complete(a.change(), a.after());
        }
        for (Map.Entry<Change, Throwable> r : refused) {
            fail(r.getKey(), r.getValue());
        }
    }

    private static void complete(Change c, Manifest result) {
        c.ctx().runOnContext(v -> c.promise().complete(result));
    }

    private static void fail(Change c, Throwable e) {
        c.ctx().runOnContext(v -> c.promise().fail(e));
    }

    /** Whether the database answers; for readiness checks. */
    public Future<Void> ping() {
        return onWriter(() -> {
            db.ping();
            return null;
        });
    }

    private <T> Future<T> onWriter(Callable<T> work) {
        return writer.call(work);
    }

    @Override
    public void close() {
        closed = true;
        writer.close(db);
    }
}
