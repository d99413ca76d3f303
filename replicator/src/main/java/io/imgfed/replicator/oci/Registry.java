package io.imgfed.replicator.oci;

import io.imgfed.transfer.store.DurableDirectories;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI front's registry state in this DC: which sha256 digest is which blob of the store, each repository's
 * manifests (their exact bytes, served unchanged) and tags. Reads come from memory; every change is committed to
 * {@code <data.dir>/registry.db} on one writer thread before its future completes, so a push is acknowledged
 * only once it survives a crash.
 */
public final class Registry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    /** A blob of the store under its OCI digest. */
    public record BlobRef(String digest, String sha1, long size) {
    }

    /** A manifest as pushed: its digest, media type, exact bytes and the digests it references (blobs, then children). */
    public record StoredManifest(String digest, String mediaType, byte[] body, List<String> references) {
        public StoredManifest {
            references = List.copyOf(references);
        }

        public long size() {
            return body.length;
        }
    }

    private final Vertx vertx;
    private final ExecutorService writer;
    private final RegistryDb db;
    private final Map<String, BlobRef> blobs = new ConcurrentHashMap<>();
    private final Map<String, String> digestBySha1 = new ConcurrentHashMap<>();
    /** repo → digest → manifest. */
    private final Map<String, Map<String, StoredManifest>> manifests = new ConcurrentHashMap<>();
    /** repo → tag → digest, sorted as the tags list answers. */
    private final Map<String, NavigableMap<String, String>> tags = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Registry(Vertx vertx, ExecutorService writer, RegistryDb db) {
        this.vertx = vertx;
        this.writer = writer;
        this.db = db;
    }

    /** Opens (or creates) {@code <dataDir>/registry.db} and loads it into memory. */
    public static Future<Registry> open(Vertx vertx, Path dataDir) {
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "imgfed-registry");
            t.setDaemon(true);
            return t;
        });
        Promise<Registry> promise = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        writer.execute(() -> {
            try {
                DurableDirectories.create(dataDir);
                RegistryDb db = RegistryDb.open(dataDir.resolve("registry.db"));
                Registry r = new Registry(vertx, writer, db);
                db.blobs().forEach(b -> r.indexBlob(new BlobRef(b.digest(), b.sha1(), b.size())));
                db.manifests().forEach(m -> r.indexManifest(m.repo(), new StoredManifest(m.digest(), m.mediaType(),
                        m.body(), m.references().isEmpty() ? List.of() : Arrays.asList(m.references().split(",")))));
                db.tags().forEach(t -> r.tagsOf(t.repo()).put(t.tag(), t.digest()));
                LOG.info("registry loaded: {} blob(s), {} repositor(ies)", r.blobs.size(), r.manifests.size());
                ctx.runOnContext(v -> promise.complete(r));
            } catch (Throwable e) {
                writer.shutdown();
                ctx.runOnContext(v -> promise.fail(e));
            }
        });
        return promise.future();
    }

    public Optional<BlobRef> blob(String digest) {
        return Optional.ofNullable(blobs.get(digest));
    }

    /** Whether a blob of the store is an OCI blob pushed here (kept: eviction and GC of those come with issue 14's GC). */
    public boolean holdsSha1(String sha1) {
        return digestBySha1.containsKey(sha1);
    }

    public Future<BlobRef> addBlob(BlobRef blob) {
        return onWriter(() -> {
            db.putBlob(new RegistryDb.BlobRow(blob.digest(), blob.sha1(), blob.size()));
            indexBlob(blob);
            return blob;
        });
    }

    public boolean repositoryExists(String repo) {
        Map<String, StoredManifest> m = manifests.get(repo);
        return m != null && !m.isEmpty();
    }

    public Optional<StoredManifest> manifest(String repo, String digest) {
        Map<String, StoredManifest> m = manifests.get(repo);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(digest));
    }

    public Optional<String> tagged(String repo, String tag) {
        NavigableMap<String, String> t = tags.get(repo);
        return t == null ? Optional.empty() : Optional.ofNullable(t.get(tag));
    }

    /** The repository's tags in lexical order (the tags list's order). */
    public List<String> tags(String repo) {
        NavigableMap<String, String> t = tags.get(repo);
        return t == null ? List.of() : new ArrayList<>(t.keySet());
    }

    /** Stores a manifest in a repository and, when {@code tag} is not null, points the tag at it. */
    public Future<StoredManifest> putManifest(String repo, StoredManifest m, String tag) {
        return onWriter(() -> {
            db.putManifest(new RegistryDb.ManifestRow(repo, m.digest(), m.mediaType(), m.body(),
                    String.join(",", m.references()), System.currentTimeMillis()), tag);
            indexManifest(repo, m);
            if (tag != null) {
                tagsOf(repo).put(tag, m.digest());
            }
            return m;
        });
    }

    /** Deletes a manifest and the repository's tags that name it; false if it was not there. */
    public Future<Boolean> deleteManifest(String repo, String digest) {
        return onWriter(() -> {
            if (manifest(repo, digest).isEmpty()) {
                return false;
            }
            db.deleteManifest(repo, digest);
            manifests.get(repo).remove(digest);
            NavigableMap<String, String> t = tags.get(repo);
            if (t != null) {
                t.values().removeIf(digest::equals);
            }
            return true;
        });
    }

    /** Deletes a tag (its manifest stays, reachable by digest); false if it was not there. */
    public Future<Boolean> deleteTag(String repo, String tag) {
        return onWriter(() -> {
            if (tagged(repo, tag).isEmpty()) {
                return false;
            }
            db.deleteTag(repo, tag);
            tags.get(repo).remove(tag);
            return true;
        });
    }

    public Future<Void> ping() {
        return onWriter(() -> {
            db.ping();
            return null;
        });
    }

    private void indexBlob(BlobRef b) {
        blobs.put(b.digest(), b);
        digestBySha1.put(b.sha1(), b.digest());
    }

    private void indexManifest(String repo, StoredManifest m) {
        manifests.computeIfAbsent(repo, r -> new ConcurrentHashMap<>()).put(m.digest(), m);
    }

    private NavigableMap<String, String> tagsOf(String repo) {
        return tags.computeIfAbsent(repo, r -> new ConcurrentSkipListMap<>());
    }

    private <T> Future<T> onWriter(Callable<T> work) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException("the registry is closed"));
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
            return Future.failedFuture(new IllegalStateException("the registry is closed"));
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
                LOG.warn("closing the registry database: {}", e.getMessage());
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
