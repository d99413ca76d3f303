package io.imgfed.transfer.store;

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
 * by an atomic rename after it was fsynced, so a crash leaves either the whole file or none; half-written
 * files live in {@code <data>/tmp} and are deleted at start.
 *
 * <p>The file system is the index: a blob's size is its length and its last access its mtime, so the LRU
 * order survives restarts without a second database to keep consistent.
 */
public final class BlobStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BlobStore.class);
    private static final Pattern SHA1 = Pattern.compile("^[0-9a-f]{40}$");
    /** Access times reach the disk at most this often per blob; in memory they are exact. */
    private static final long MTIME_PERSIST_INTERVAL_MS = 60_000;

    private final Vertx vertx;
    private final Path blobs;
    private final Path tmp;
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
    private final Map<String, AtomicInteger> leases = new ConcurrentHashMap<>();

    private static final class Entry {
        final long size;
        volatile long lastAccess;
        volatile long persistedAccess;

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
        return store.blocking(() -> {
            store.recover();
            return store;
        });
    }

    private void recover() throws IOException {
        DurableDirectories.create(blobs);
        DurableDirectories.create(tmp);
        fileStore = Files.getFileStore(tmp);
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                deleteRecursively(p);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.info("removed {} unfinished file(s) left by an interrupted upload or pull", removed);
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

    /** Starts a new temp file; the writer delivers its results on {@code context}. */
    public Future<BlobWriter> newWriter(Context context, Set<DigestKind> digests, long maxSize) {
        Path path = tmp.resolve(UUID.randomUUID() + ".part");
        return blocking(() -> {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new BlobWriter(context, path, ch, ioPool, digests, maxSize);
        });
    }

    /**
     * Makes a finished writer's file a blob named by its true sha1: rename into place, then fsync the folder
     * so the rename itself survives a crash.
     */
    public Future<BlobInfo> commit(BlobWriter writer, BlobDigest digest) {
        if (digest.sha1() == null) {
            return Future.failedFuture(new IllegalArgumentException("a blob is committed under its sha1"));
        }
        String sha1 = digest.sha1();
        return blocking(() -> {
            Path target = blobPath(sha1);
            Path shard = target.getParent();
            boolean newShard = !Files.isDirectory(shard);
            Files.createDirectories(shard);
            if (newShard) {
                fsyncDirectory(blobs);
            }
            try {
                Files.move(writer.path(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the blob store needs tmp/ and blobs/ on one file system", e);
            }
            fsyncDirectory(shard);
            long now = System.currentTimeMillis();
            Entry previous = entries.put(sha1, new Entry(digest.size(), now));
            if (previous != null) {
                usedBytes.addAndGet(-previous.size);
            }
            usedBytes.addAndGet(digest.size());
            if (previous == null) {
                listeners.forEach(l -> l.added(sha1, digest.size()));
            }
            return new BlobInfo(sha1, digest.size(), now);
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

    /**
     * Opens a blob for reading. The open channel keeps the bytes readable even if the blob is deleted
     * meanwhile; the caller closes it.
     */
    public Future<FileChannel> openForRead(String sha1) {
        if (!entries.containsKey(sha1)) {
            return Future.failedFuture(new NoSuchFileException(sha1));
        }
        touch(sha1);
        return blocking(() -> FileChannel.open(blobPath(sha1), StandardOpenOption.READ));
    }

    /**
     * Opens a blob for reading and holds a lease on it until {@link ReadLease#close()}: a leased blob is
     * never evicted, so a file is not removed under its readers.
     */
    public Future<ReadLease> lease(String sha1) {
        leases.computeIfAbsent(sha1, k -> new AtomicInteger()).incrementAndGet();
        return openForRead(sha1).map(ch -> new ReadLease(this, sha1, ch)).onFailure(e -> unlease(sha1));
    }

    /** Whether some reader holds a lease on this blob. */
    public boolean leased(String sha1) {
        AtomicInteger n = leases.get(sha1);
        return n != null && n.get() > 0;
    }

    void unlease(String sha1) {
        leases.computeIfPresent(sha1, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** An open blob under lease. */
    public static final class ReadLease implements AutoCloseable {
        private final BlobStore store;
        private final String sha1;
        private final FileChannel channel;
        private boolean closed;

        ReadLease(BlobStore store, String sha1, FileChannel channel) {
            this.store = store;
            this.sha1 = sha1;
            this.channel = channel;
        }

        public FileChannel channel() {
            return channel;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to read from it
            }
            store.unlease(sha1);
        }
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

    /** Removes a blob; readers that already opened it keep reading. Returns whether it existed. */
    public Future<Boolean> delete(String sha1) {
        Entry e = entries.remove(sha1);
        if (e == null) {
            return Future.succeededFuture(false);
        }
        usedBytes.addAndGet(-e.size);
        listeners.forEach(l -> l.removed(sha1));
        return blocking(() -> {
            Files.deleteIfExists(blobPath(sha1));
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
