package io.imgfed.transfer.store;

import io.imgfed.protocol.pieces.PieceList;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A temp file being filled: writes land on disk while sha1, md5, sha256 and the piece list are computed in the
 * same pass. Writing and hashing run off the event loop in up to three sequential lanes (file + sha1; md5, or the
 * piece list when there is no md5; sha256, with the piece list when md5 has the second lane) so that the digests
 * are computed side by side rather than one after another.
 *
 * <p>Readers of a file still being written (stream-through) may read up to {@link #written()} bytes: those
 * bytes are in the file. Nothing is final until {@link #finish()} has fsynced it and the store has renamed it.
 */
public final class BlobWriter implements WriteStream<Buffer> {

    private static final int DEFAULT_QUEUE_BYTES = 8 * 1024 * 1024;
    /**
     * Network chunks (often 8-64 KiB) are gathered into batches of this size before they go to the lanes:
     * per-batch costs (a copy, two hand-offs between threads) then stay small against the bytes moved.
     */
    static final int BATCH_BYTES = 256 * 1024;
    /**
     * Written bytes are handed to the disk (fsync, on a lane of its own) at least this often while the file
     * fills. Without it the kernel would keep the whole file dirty until the final fsync (its background writeback
     * starts only at a tenth of memory), and an upload would first hash, then wait for the disk to write it all.
     */
    static final long SYNC_EVERY_BYTES = 16L << 20;

    private final Context context;
    private final Path path;
    private final FileChannel channel;
    private final long maxSize;
    private final SerialLane fileLane;
    private final SerialLane md5Lane;
    private final SerialLane sha256Lane;
    /** Periodic fsyncs: the disk writes earlier bytes while the other lanes take the next ones. */
    private final SerialLane syncLane;
    /** File lane only: where the last periodic fsync was asked for. */
    private long syncAskedAt;
    /** Whether a periodic fsync is queued or running (set on the file lane, cleared on the sync lane). */
    private volatile boolean syncInFlight;
    private final Map<DigestKind, MessageDigest> digests = new EnumMap<>(DigestKind.class);
    private final PieceHasher pieces;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private volatile long written;
    private volatile Throwable failure;
    private volatile boolean closed;
    private int maxQueuedBytes = DEFAULT_QUEUE_BYTES;
    private Handler<Void> drainHandler;
    private Handler<Throwable> exceptionHandler;
    private Handler<Long> progressHandler;
    private Future<BlobDigest> finished;
    /** Views of the received buffers gathered for the next hand-off; Vert.x buffers are not recycled, so no copy. */
    private List<ByteBuffer> batch;
    private int batchBytes;
    private Promise<Void> batchDone;
    private boolean flushScheduled;

    BlobWriter(Context context, Path path, FileChannel channel, Executor pool, Set<DigestKind> kinds, long maxSize,
            int pieceSize) {
        this.context = context;
        this.path = path;
        this.channel = channel;
        this.maxSize = maxSize;
        this.fileLane = new SerialLane(pool);
        this.md5Lane = new SerialLane(pool);
        this.sha256Lane = new SerialLane(pool);
        this.syncLane = new SerialLane(pool);
        for (DigestKind k : kinds) {
            if (k != DigestKind.PIECES) {
                digests.put(k, k.newDigest());
            }
        }
        this.pieces = kinds.contains(DigestKind.PIECES) ? PieceHasher.building(pieceSize) : null;
    }

    /** The temp file's path; readable while it fills, gone after commit or abort. */
    public Path path() {
        return path;
    }

    /** Bytes already in the file, readable by stream-through readers (batches land whole, 256 KiB at a time). */
    public long written() {
        return written;
    }

    /** Bytes handed to {@link #write}, including those still queued for the disk. */
    public long accepted() {
        return accepted.get();
    }

    /** Whether the writer failed (disk full, size exceeded, I/O error); writes are then refused. */
    public Throwable failure() {
        return failure;
    }

    /** Called on the writer's context with the new {@link #written()} after each chunk reaches the file. */
    public BlobWriter progressHandler(Handler<Long> handler) {
        this.progressHandler = handler;
        return this;
    }

    @Override
    public BlobWriter exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
        if (failure != null) {
            return Future.failedFuture(failure);
        }
        if (closed) {
            return Future.failedFuture(new IllegalStateException("writer is finished"));
        }
        int len = data.length();
        if (len == 0) {
            return Future.succeededFuture();
        }
        long total = accepted.addAndGet(len);
        if (total > maxSize) {
            fail(new FileTooLargeException(maxSize));
            return Future.failedFuture(failure);
        }
        if (batch == null) {
            batch = new ArrayList<>();
            batchBytes = 0;
            batchDone = Promise.promise();
        }
        for (ByteBuffer part : ((BufferInternal) data).getByteBuf().nioBuffers()) {
            batch.add(part.asReadOnlyBuffer());
        }
        batchBytes += len;
        Future<Void> done = batchDone.future();
        if (batchBytes >= Math.min(BATCH_BYTES, maxQueuedBytes / 4)) {
            flushBatch();
        } else if (!flushScheduled) {
            // Whatever else arrives in this event-loop turn joins the batch; then it goes out.
            flushScheduled = true;
            context.runOnContext(v -> {
                flushScheduled = false;
                flushBatch();
            });
        }
        return done;
    }

    /** Hands the gathered bytes to the lanes; their writes' futures complete when they are in the file. */
    private void flushBatch() {
        if (batch == null || batchBytes == 0) {
            return;
        }
        List<ByteBuffer> parts = batch;
        int len = batchBytes;
        Promise<Void> promise = batchDone;
        batch = null;
        batchBytes = 0;
        batchDone = null;
        if (failure != null) {
            promise.tryFail(failure);
            return;
        }
        queuedBytes.addAndGet(len);
        MessageDigest md5 = digests.get(DigestKind.MD5);
        MessageDigest sha256 = digests.get(DigestKind.SHA256);
        // Without md5 its lane takes the piece list, so sha256 and the pieces (two sha256 passes) run side by
        // side instead of one after the other on the third lane (OCI pushes and mirror fetches: sha1,
        // sha256, pieces).
        boolean piecesOnSecondLane = md5 == null && pieces != null && sha256 != null;
        boolean secondLane = md5 != null || piecesOnSecondLane;
        boolean thirdLane = sha256 != null || pieces != null;
        AtomicInteger lanesLeft = new AtomicInteger(1 + (secondLane ? 1 : 0) + (thirdLane ? 1 : 0));
        fileLane.submit(() -> {
            if (failure == null) {
                try {
                    ByteBuffer[] out = views(parts);
                    long left = len;
                    while (left > 0) {
                        left -= channel.write(out);
                    }
                    MessageDigest sha1 = digests.get(DigestKind.SHA1);
                    if (sha1 != null) {
                        for (ByteBuffer part : parts) {
                            sha1.update(part.duplicate());
                        }
                    }
                    written += len;
                    if (written - syncAskedAt >= SYNC_EVERY_BYTES && !syncInFlight) {
                        syncInFlight = true;
                        syncAskedAt = written;
                        syncLane.submit(this::periodicSync);
                    }
                } catch (IOException | RuntimeException e) {
                    failFromLane(e);
                }
            }
            laneDone(lanesLeft, len, promise);
        });
        if (md5 != null) {
            hashLane(md5Lane, parts, List.of(md5), null, lanesLeft, len, promise);
        } else if (piecesOnSecondLane) {
            hashLane(md5Lane, parts, List.of(), pieces, lanesLeft, len, promise);
        }
        if (thirdLane) {
            hashLane(sha256Lane, parts, sha256 == null ? List.of() : List.of(sha256),
                    piecesOnSecondLane ? null : pieces, lanesLeft, len, promise);
        }
    }

    /**
     * On the sync lane: makes the disk write what is in the file so far. Only a head start for the final fsync,
     * which alone makes the file durable; but a failure here fails the upload, because the kernel reports a
     * writeback error once, and the final fsync might then succeed over pages that were lost.
     */
    private void periodicSync() {
        try {
            if (failure == null && !closed) {
                channel.force(false);
            }
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failFromLane(e);
            }
        } finally {
            syncInFlight = false;
        }
    }

    private void hashLane(SerialLane lane, List<ByteBuffer> parts, List<MessageDigest> mds, PieceHasher hasher,
            AtomicInteger lanesLeft, int len, Promise<Void> promise) {
        lane.submit(() -> {
            if (failure == null) {
                for (ByteBuffer part : parts) {
                    for (MessageDigest md : mds) {
                        md.update(part.duplicate());
                    }
                    if (hasher != null) {
                        // a view of its own: other lanes read the same buffers at the same time
                        hasher.update(part.duplicate());
                    }
                }
            }
            laneDone(lanesLeft, len, promise);
        });
    }

    private void laneDone(AtomicInteger lanesLeft, int len, Promise<Void> promise) {
        if (lanesLeft.decrementAndGet() != 0) {
            return;
        }
        long queued = queuedBytes.addAndGet(-len);
        long now = written;
        context.runOnContext(v -> {
            Throwable f = failure;
            if (f != null) {
                promise.tryFail(f);
                return;
            }
            promise.tryComplete();
            if (progressHandler != null) {
                progressHandler.handle(now);
            }
            Handler<Void> drain = drainHandler;
            if (drain != null && queued <= maxQueuedBytes / 2) {
                drainHandler = null;
                drain.handle(null);
            }
        });
    }

    @Override
    public Future<Void> end() {
        return finish().mapEmpty();
    }

    /**
     * Waits for every queued byte, fsyncs and closes the file, and reports its size and digests. The file
     * stays at {@link #path()} until the store commits or aborts it.
     */
    public synchronized Future<BlobDigest> finish() {
        if (finished != null) {
            return finished;
        }
        flushBatch();
        closed = true;
        Promise<BlobDigest> promise = Promise.promise();
        finished = promise.future();
        AtomicInteger lanesLeft = new AtomicInteger(4);
        Runnable last = () -> {
            if (lanesLeft.decrementAndGet() != 0) {
                return;
            }
            try {
                if (failure != null) {
                    throw failure;
                }
                channel.force(true);
                channel.close();
                PieceList list = pieces == null || written == 0 ? null : pieces.finish();
                BlobDigest d = new BlobDigest(written, hex(DigestKind.SHA1), base64(DigestKind.MD5), hex(DigestKind.SHA256),
                        list);
                context.runOnContext(v -> promise.complete(d));
            } catch (Throwable e) {
                Throwable cause = asStoreFailure(e);
                closeQuietly();
                context.runOnContext(v -> promise.fail(cause));
            }
        };
        fileLane.submit(last);
        md5Lane.submit(last);
        sha256Lane.submit(last);
        syncLane.submit(last);
        return finished;
    }

    /** Gives up on this file: closes and deletes it. Safe to call at any time, more than once. */
    public Future<Void> abort() {
        closed = true;
        if (failure == null) {
            failure = new IOException("write aborted");
        }
        flushBatch();
        Promise<Void> promise = Promise.promise();
        fileLane.submit(() -> {
            closeQuietly();
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // tmp/ is emptied at the next start
            }
            context.runOnContext(v -> promise.complete());
        });
        return promise.future();
    }

    @Override
    public BlobWriter setWriteQueueMaxSize(int maxSize) {
        this.maxQueuedBytes = maxSize;
        return this;
    }

    @Override
    public boolean writeQueueFull() {
        return queuedBytes.get() + batchBytes >= maxQueuedBytes;
    }

    /** Fresh views of a batch's parts: each lane reads them with its own positions. */
    private static ByteBuffer[] views(List<ByteBuffer> parts) {
        ByteBuffer[] out = new ByteBuffer[parts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = parts.get(i).duplicate();
        }
        return out;
    }

    @Override
    public BlobWriter drainHandler(Handler<Void> handler) {
        this.drainHandler = handler;
        if (handler != null && !writeQueueFull()) {
            this.drainHandler = null;
            context.runOnContext(v -> handler.handle(null));
        }
        return this;
    }

    private void failFromLane(Throwable e) {
        Throwable cause = asStoreFailure(e);
        if (failure == null) {
            failure = cause;
            context.runOnContext(v -> {
                if (exceptionHandler != null) {
                    exceptionHandler.handle(cause);
                }
            });
        }
    }

    private void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
            if (exceptionHandler != null) {
                exceptionHandler.handle(cause);
            }
        }
    }

    private static Throwable asStoreFailure(Throwable e) {
        if (e instanceof StoreFullException) {
            return e;
        }
        if (StoreFullException.isNoSpace(e)) {
            return new StoreFullException("no space left in the blob store", e);
        }
        return e;
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    private String hex(DigestKind kind) {
        MessageDigest d = digests.get(kind);
        return d == null ? null : HexFormat.of().formatHex(d.digest());
    }

    private String base64(DigestKind kind) {
        MessageDigest d = digests.get(kind);
        return d == null ? null : Base64.getEncoder().encodeToString(d.digest());
    }

    /** More bytes arrived than the file may hold. */
    public static final class FileTooLargeException extends IOException {
        public FileTooLargeException(long maxSize) {
            super("file exceeds the maximum of " + maxSize + " bytes");
        }
    }
}
