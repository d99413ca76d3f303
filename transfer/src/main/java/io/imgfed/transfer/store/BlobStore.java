package io.imgfed.transfer.store;

import io.imgfed.protocol.pieces.PieceList;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed image files under {@code <data>/blobs/<sha1[0..2]>/<sha1>}. A file becomes visible only
 * by an atomic rename after it was fsynced, so a crash leaves either the whole file or none. Layout:
 * <pre>
 * blobs/ab/ab12...   committed files, named by sha1
 * tmp/               uploads being written; deleted at start
 * partial/ab12...    files being pulled from other DCs; kept across restarts so a pull resumes where it was
 * pieces/ab12...     each blob's piece list (sha256 per piece), derivable from the blob, so written without fsync
 * </pre>
 *
 * <p>The file system is the index: a blob's size is its length and its last access its mtime, so the LRU
 * order survives restarts without a second database to keep consistent.
 *
 * <p>Readers hold leases ({@link #lease}); eviction ({@link #evict}) takes a blob only when no lease is held, in
 * the same atomic step that removes it from the index, so a reader never loses a file it opened or is opening.
 */
public final class BlobStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BlobStore.class);
    private static final Pattern SHA1 = Pattern.compile("^[0-9a-f]{40}$");
    /** Access times reach the disk at most this often per blob; in memory they are exact. */
    private static final long MTIME_PERSIST_INTERVAL_MS = 60_000;

    private final Vertx vertx;
    private final Path blobs;
    private final Path tmp;
    private final Path partial;
    private final PieceLists pieceLists;
    private final ExecutorService ioPool;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Told after a blob became visible or was removed (on an I/O thread; keep it short). */
    public interface Listener {
        void added(String sha1, long size);

        void removed(String sha1);
    }
    private final AtomicLong usedBytes = new AtomicLong();
    /** The file system under the store, looked up once at open: finding it reads the mount table. */
    private volatile FileStore fileStore;

    private static final class Entry {
        final long size;
        volatile long lastAccess;
        volatile long persistedAccess;
        /** Readers holding the blob; changed only inside {@code entries.compute*}, so eviction sees a true count. */
        int leases;

        Entry(long size, long lastAccess) {
            this.size = size;
            this.lastAccess = lastAccess;
            this.persistedAccess = lastAccess;
        }
    }

    private BlobStore(Vertx vertx, Path dataDir) {
        this.vertx = vertx;
        this.blobs = dataDir.resolve("blobs");
        this.tmp = dataDir.resolve("tmp");
        this.partial = dataDir.resolve("partial");
        this.pieceLists = new PieceLists(dataDir.resolve("pieces"));
        AtomicInteger n = new AtomicInteger();
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        this.ioPool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "imgfed-blob-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the store: creates its folders, deletes leftovers of interrupted writes, indexes the blobs. */
    public static Future<BlobStore> open(Vertx vertx, Path dataDir) {
        BlobStore store = new BlobStore(vertx, dataDir);
        DigestWarmup.start(store.ioPool);
        return store.blocking(() -> {
            store.recover();
            return store;
        });
    }

    private void recover() throws IOException {
        DurableDirectories.create(blobs);
        DurableDirectories.create(tmp);
        DurableDirectories.create(partial);
        pieceLists.create();
        fileStore = Files.getFileStore(tmp);
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                deleteRecursively(p);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.info("removed {} unfinished file(s) left by an interrupted upload", removed);
        }
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(blobs)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (!SHA1.matcher(name).matches() || !name.substring(0, 2).equals(shard.getFileName().toString())
                                || !Files.isRegularFile(f)) {
                            LOG.warn("ignoring unexpected file in the blob store: {}", f);
                            continue;
                        }
                        long size = Files.size(f);
                        long mtime = Files.getLastModifiedTime(f).toMillis();
                        entries.put(name, new Entry(size, mtime));
                        usedBytes.addAndGet(size);
                    }
                }
            }
        }
        LOG.info("blob store at {}: {} file(s), {} bytes", blobs, entries.size(), usedBytes.get());
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    deleteRecursively(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    /** Starts a new temp file for content of unknown size; the writer delivers its results on {@code context}. */
    public Future<BlobWriter> newWriter(Context context, Set<DigestKind> digests, long maxSize) {
        return newWriter(context, digests, maxSize, -1);
    }

    /**
     * Starts a new temp file for content of {@code expectedSize} bytes (negative: not known), whose piece list,
     * if asked for, is cut at {@link PieceList#pieceSizeFor} that size.
     */
    public Future<BlobWriter> newWriter(Context context, Set<DigestKind> digests, long maxSize, long expectedSize) {
        Path path = tmp.resolve(UUID.randomUUID() + ".part");
        int pieceSize = PieceList.pieceSizeFor(expectedSize);
        return blocking(() -> {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new BlobWriter(context, path, ch, ioPool, digests, maxSize, pieceSize);
        });
    }

    /**
     * Makes a finished writer's file a blob named by its true sha1: rename into place, then fsync the folder
     * so the rename itself survives a crash. Its piece list, when the writer made one, is kept beside it.
     */
    public Future<BlobInfo> commit(BlobWriter writer, BlobDigest digest) {
        if (digest.sha1() == null) {
            return Future.failedFuture(new IllegalArgumentException("a blob is committed under its sha1"));
        }
        return commitFile(writer.path(), digest.sha1(), digest.size(), digest.pieces());
    }

    /**
     * Makes a verified, fsynced file (an upload's temp file or a finished pull) the blob {@code sha1}: rename into
     * place, fsync the folder, then index it and tell the listeners.
     */
    public Future<BlobInfo> commitFile(Path file, String sha1, long size, PieceList pieces) {
        return blocking(() -> {
            Path target = blobPath(sha1);
            Path shard = target.getParent();
            boolean newShard = !Files.isDirectory(shard);
            Files.createDirectories(shard);
            if (newShard) {
                fsyncDirectory(blobs);
            }
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the blob store needs tmp/, partial/ and blobs/ on one file system", e);
            }
            fsyncDirectory(shard);
            if (pieces != null) {
                pieceLists.write(sha1, pieces);
            }
            long now = System.currentTimeMillis();
            boolean[] isNew = {false};
            entries.compute(sha1, (k, previous) -> {
                Entry e = new Entry(size, now);
                if (previous != null) {
                    usedBytes.addAndGet(-previous.size);
                    e.leases = previous.leases;
                } else {
                    isNew[0] = true;
                }
                usedBytes.addAndGet(size);
                return e;
            });
            if (isNew[0]) {
                for (Listener l : listeners) {
                    try {
                        l.added(sha1, size);
                    } catch (RuntimeException e) {
                        // a listener must not undo a commit that is already on disk
                        LOG.error("a blob store listener failed on {}", sha1, e);
                    }
                }
            }
            return new BlobInfo(sha1, size, now);
        });
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public boolean contains(String sha1) {
        return entries.containsKey(sha1);
    }

    public Optional<BlobInfo> info(String sha1) {
        Entry e = entries.get(sha1);
        return e == null ? Optional.empty() : Optional.of(new BlobInfo(sha1, e.size, e.lastAccess));
    }

    /** Every blob with its size and last access; a snapshot for eviction and reporting. */
    public Collection<BlobInfo> list() {
        return entries.entrySet().stream()
                .map(e -> new BlobInfo(e.getKey(), e.getValue().size, e.getValue().lastAccess))
                .toList();
    }

    public long usedBytes() {
        return usedBytes.get();
    }

    /** Bytes the disk under the store can still take (unknown: {@code Long.MAX_VALUE}); one statfs call. */
    public long usableDiskBytes() {
        FileStore fs = fileStore;
        if (fs == null) {
            return Long.MAX_VALUE;
        }
        try {
            return fs.getUsableSpace();
        } catch (IOException | SecurityException e) {
            return Long.MAX_VALUE;
        }
    }

    public int count() {
        return entries.size();
    }

    /** Where a pull keeps the file it is filling; the same path for the same file across restarts. */
    public Path partialPath(String sha1) {
        if (!SHA1.matcher(sha1).matches()) {
            throw new IllegalArgumentException("not a sha1: " + sha1);
        }
        return partial.resolve(sha1);
    }

    /** The sha1s of the files a pull left in {@code partial/} (this process's or a previous one's). */
    public Future<List<String>> partialFiles() {
        return blocking(() -> {
            List<String> out = new java.util.ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(partial)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (SHA1.matcher(name).matches()) {
                        out.add(name);
                    } else {
                        Files.deleteIfExists(p);
                    }
                }
            }
            return out;
        });
    }

    /**
     * Opens the file a pull fills, keeping what an earlier attempt or process left that checks out against
     * {@code pieces}; its results are delivered on {@code context}.
     */
    public Future<PartialFile> openPartial(Context context, String sha1, PieceList pieces) {
        return blocking(() -> PartialFile.open(context, partialPath(sha1), pieces, ioPool));
    }

    /** Deletes a pull's file (abandoned, or not wanted after a restart). */
    public Future<Void> deletePartial(String sha1) {
        return blocking(() -> {
            Files.deleteIfExists(partialPath(sha1));
            return null;
        });
    }

    /**
     * The piece list of a blob: the one kept beside it, or computed from the blob (and then kept) when there is none
     * or it was cut at another piece size. Fails with NoSuchFileException when the blob is not here.
     */
    public Future<PieceList> pieces(String sha1, int pieceSize) {
        return lease(sha1).compose(lease -> blocking(() -> {
            try {
                return pieceLists.of(sha1, lease.size(), pieceSize, lease.channel());
            } finally {
                lease.close();
            }
        }));
    }

    /**
     * Opens a blob for reading and holds a lease on it until {@link ReadLease#close()}: a leased blob is never
     * evicted, so a file is not removed under its readers. Fails with NoSuchFileException when the blob is not
     * (or no longer) here.
     */
    public Future<ReadLease> lease(String sha1) {
        Entry e = entries.computeIfPresent(sha1, (k, v) -> {
            v.leases++;
            return v;
        });
        if (e == null) {
            return Future.failedFuture(new NoSuchFileException(sha1));
        }
        touch(sha1);
        long size = e.size;
        return blocking(() -> FileChannel.open(blobPath(sha1), StandardOpenOption.READ))
                .map(ch -> new ReadLease(this, sha1, size, ch))
                .onFailure(err -> unlease(sha1));
    }

    /** Whether some reader holds a lease on this blob. */
    public boolean leased(String sha1) {
        boolean[] held = {false};
        entries.computeIfPresent(sha1, (k, v) -> {
            held[0] = v.leases > 0;
            return v;
        });
        return held[0];
    }

    void unlease(String sha1) {
        entries.computeIfPresent(sha1, (k, v) -> {
            v.leases = Math.max(0, v.leases - 1);
            return v;
        });
    }

    /** Records an access for LRU order; reaches the disk (mtime) at most once a minute per blob. */
    public void touch(String sha1) {
        Entry e = entries.get(sha1);
        if (e == null) {
            return;
        }
        long now = System.currentTimeMillis();
        e.lastAccess = now;
        if (now - e.persistedAccess >= MTIME_PERSIST_INTERVAL_MS) {
            e.persistedAccess = now;
            ioPool.execute(() -> {
                try {
                    Files.setLastModifiedTime(blobPath(sha1), FileTime.fromMillis(now));
                } catch (IOException ignored) {
                    // evicted meanwhile; nothing to record
                }
            });
        }
    }

    /** Removes a blob (its image was deleted); readers that already opened it keep reading. Returns whether it existed. */
    public Future<Boolean> delete(String sha1) {
        Entry e = entries.remove(sha1);
        return e == null ? Future.succeededFuture(false) : removed(sha1, e);
    }

    /**
     * Removes a blob to make room, unless a reader holds it: the check and the removal from the index are one atomic
     * step, so no lease can be taken in between. The file itself is deleted in the background. Returns whether the
     * blob was taken.
     */
    public boolean evict(String sha1) {
        Entry[] taken = {null};
        entries.computeIfPresent(sha1, (k, v) -> {
            if (v.leases > 0) {
                return v;
            }
            taken[0] = v;
            return null;
        });
        if (taken[0] == null) {
            return false;
        }
        removed(sha1, taken[0]).onFailure(err -> LOG.warn("deleting evicted blob {}: {}", sha1, err.toString()));
        return true;
    }

    private Future<Boolean> removed(String sha1, Entry e) {
        usedBytes.addAndGet(-e.size);
        for (Listener l : listeners) {
            try {
                l.removed(sha1);
            } catch (RuntimeException ex) {
                LOG.error("a blob store listener failed on {}", sha1, ex);
            }
        }
        return blocking(() -> {
            Files.deleteIfExists(blobPath(sha1));
            pieceLists.delete(sha1);
            return true;
        });
    }

    /** Whether the store's folders accept a new file right now; for readiness checks. */
    public Future<Void> checkWritable() {
        return blocking(() -> {
            Path probe = tmp.resolve("probe-" + UUID.randomUUID());
            Files.writeString(probe, "ok");
            Files.delete(probe);
            return null;
        });
    }

    public Path blobPath(String sha1) {
        if (!SHA1.matcher(sha1).matches()) {
            throw new IllegalArgumentException("not a sha1: " + sha1);
        }
        return blobs.resolve(sha1.substring(0, 2)).resolve(sha1);
    }

    public Path tmpDir() {
        return tmp;
    }

    /** Runs blocking file work on the store's own I/O threads, never on an event loop. */
    public <T> Future<T> blocking(Callable<T> work) {
        Promise<T> promise = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        ioPool.execute(() -> {
            try {
                T result = work.call();
                ctx.runOnContext(v -> promise.complete(result));
            } catch (Throwable t) {
                Throwable cause = StoreFullException.isNoSpace(t) && !(t instanceof StoreFullException)
                        ? new StoreFullException("no space left in the blob store", t) : t;
                ctx.runOnContext(v -> promise.fail(cause));
            }
        });
        return promise.future();
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void close() {
        ioPool.shutdown();
        try {
            if (!ioPool.awaitTermination(10, TimeUnit.SECONDS)) {
                ioPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ioPool.shutdownNow();
        }
    }

    /** A stored blob: its sha1, size and last access (epoch millis). */
    public record BlobInfo(String sha1, long size, long lastAccessMillis) {
    }
}
