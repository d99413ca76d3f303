package io.imgfed.replicator.catalog;

import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.transfer.store.DurableDirectories;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every image this DC knows: those homed here and those gossiped from other DCs. Reads come from memory;
 * every change runs on one writer thread (read, decide, write to SQLite, then publish to memory), so two
 * concurrent updates of one image can never lose each other.
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
    private final ExecutorService writer;
    private final CatalogDb db;
    private final ImageIndex index = new ImageIndex();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private Catalog(Vertx vertx, String dc, ExecutorService writer, CatalogDb db) {
        this.vertx = vertx;
        this.dc = dc;
        this.writer = writer;
        this.db = db;
    }

    /** Opens (or creates) {@code <dataDir>/catalog.db} and loads every image into memory. */
    public static Future<Catalog> open(Vertx vertx, Path dataDir, String dc) {
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "imgfed-catalog-" + dc);
            t.setDaemon(true);
            return t;
        });
        Promise<Catalog> promise = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        writer.execute(() -> {
            try {
                DurableDirectories.create(dataDir);
                CatalogDb db = CatalogDb.open(dataDir.resolve("catalog.db"));
                Catalog c = new Catalog(vertx, dc, writer, db);
                List<Manifest> all = db.loadAll();
                all.forEach(c.index::put);
                LOG.info("catalog loaded: {} image(s)", all.size());
                ctx.runOnContext(v -> promise.complete(c));
            } catch (Throwable e) {
                writer.shutdown();
                ctx.runOnContext(v -> promise.fail(e));
            }
        });
        return promise.future();
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
        long n = 0;
        for (Manifest m : index.all()) {
            if (m.homeDc().equals(homeDc)) {
                n++;
            }
        }
        return n;
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
     * Completes with the image as it now is (null if deleted).
     */
    public Future<Manifest> mutate(String uuid, Mutation mutation) {
        return onWriter(() -> {
            Manifest before = index.get(uuid);
            Manifest after = mutation.apply(before);
            if (after == before) {
                return after;
            }
            if (after == null) {
                db.delete(uuid, before.homeDc().equals(dc), System.currentTimeMillis());
                index.remove(uuid);
            } else {
                if (!after.uuid().equals(uuid)) {
                    throw new IllegalStateException("a mutation of " + uuid + " returned image " + after.uuid());
                }
                db.upsert(after);
                index.put(after);
            }
            for (Listener l : listeners) {
                try {
                    l.changed(before, after);
                } catch (RuntimeException e) {
                    LOG.error("catalog listener failed for image {}", uuid, e);
                }
            }
            return after;
        });
    }

    /** Whether the database answers; for readiness checks. */
    public Future<Void> ping() {
        return onWriter(() -> {
            db.ping();
            return null;
        });
    }

    private <T> Future<T> onWriter(Callable<T> work) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException("catalog is closed"));
        }
        Promise<T> promise = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        try {
            writer.execute(() -> {
                try {
                    T result = work.call();
                    ctx.runOnContext(v -> promise.complete(result));
                } catch (Throwable e) {
                    ctx.runOnContext(v -> promise.fail(e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return Future.failedFuture(new IllegalStateException("catalog is closed"));
        }
        return promise.future();
    }

    @Override
    public void close() {
        closed = true;
        writer.execute(() -> {
            try {
                db.close();
            } catch (Exception e) {
                LOG.warn("closing the catalog database: {}", e.getMessage());
            }
        });
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
