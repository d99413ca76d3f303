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
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A file being pulled into {@code partial/<sha1>}, checked piece by piece against its {@link PieceList} as the
 * bytes arrive: the file lane writes, the hash lane judges each piece when its last byte is in. Only the prefix
 * of whole, good pieces that is also on disk is {@link #verified()}; readers never see a byte past it.
 *
 * <p>A bad piece is reported to {@link #badPieceHandler} and nothing after it becomes verified; the owner stops
 * the source and {@link #rewind}s to the piece's start (the file is cut there) before it fetches again. Opening a
 * file left by an earlier process re-checks what it holds: good pieces stay, the first bad one and everything
 * after it is cut off, and the bytes of an unfinished last piece are hashed again so the pull resumes after them.
 *
 * <p>Results are delivered on the owner's context; the lanes run on the store's I/O threads.
 */
public final class PartialFile implements WriteStream<Buffer> {
    private static final int DEFAULT_QUEUE_BYTES = 8 * 1024 * 1024;
    private static final int READ_CHUNK = 1 << 20;
    /**
     * Written bytes reach the disk (fsync) at least this often, so that after a power cut a pull resumes from about
     * there rather than from the start; cheap next to the bytes it covers.
     */
    static final long SYNC_EVERY_BYTES = 16L << 20;

    /** A piece whose bytes did not match its digest. */
    public record BadPiece(int index, long start) {
    }

    private final Context context;
    private final Path path;
    private final PieceList pieces;
    private final FileChannel channel;
    private final SerialLane fileLane;
    private final SerialLane hashLane;
    /**
     * Periodic fsyncs run here, beside the file lane: a write never waits for the disk to flush the bytes before
     * it, so the pull moves at the speed of the page cache while the disk catches up (as {@code dd} does).
     */
    private final SerialLane syncLane;
    /**
     * Sync lane only: whether the file's name is durable. The directory is fsynced before the first periodic fsync
     * counts, not when the file is opened: a name lost to a power cut before then loses nothing any fsync promised,
     * and the directory's fsync (milliseconds behind a busy journal) stays off the first byte's path. A file left
     * by an earlier process gets it too: that process may have died before its own.
     */
    private boolean nameDurable;
    /** File lane only: whether a periodic fsync is queued or running on the sync lane. */
    private boolean syncInFlight;
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Bumped by {@link #rewind}: lane work of an older epoch is dropped. */
    private volatile int epoch;
    private volatile long written;
    /** Where the last fsync left the file (file lane and sync lane). */
    private volatile long synced;
    private volatile long hashedGood;
    private volatile long verified;
    private volatile Throwable failure;
    private volatile boolean badPending;
    /**
     * A bad verdict not yet reported: the hash lane may judge a piece before the file lane has written the good
     * pieces before it, and the owner's answer to a report is a rewind to the bad piece, which only whole written
     * pieces allow. Reported by whichever lane sees both the verdict and every byte before the piece verified.
     */
    private final AtomicReference<PendingBad> unreported = new AtomicReference<>();
    private volatile boolean closed;
    private PieceHasher hasher;
    /** Where the next accepted byte goes (context only). */
    private long position;
    private int maxQueuedBytes = DEFAULT_QUEUE_BYTES;
    private Handler<Void> drainHandler;
    private Handler<Throwable> exceptionHandler;
    private Handler<Long> verifiedHandler;
    private Handler<Long> progressHandler;
    private Handler<BadPiece> badPieceHandler;
    private List<ByteBuffer> batch;
    private int batchBytes;
    private Promise<Void> batchDone;
    private boolean flushScheduled;

    private PartialFile(Context context, Path path, PieceList pieces, FileChannel channel, Executor pool) {
        this.context = context;
        this.path = path;
        this.pieces = pieces;
        this.channel = channel;
        this.fileLane = new SerialLane(pool);
        this.hashLane = new SerialLane(pool);
        this.syncLane = new SerialLane(pool);
    }

    /**
     * Opens (or creates) the partial file at {@code path}, keeping what an earlier process left that checks out.
     * Blocking: run it on an I/O thread.
     */
    static PartialFile open(Context context, Path path, PieceList pieces, Executor pool) throws IOException {
        return open(context, path, pieces,
                FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE), pool);
    }

    /** {@link #open(Context, Path, PieceList, Executor)} on a channel already open on {@code path}. */
    static PartialFile open(Context context, Path path, PieceList pieces, FileChannel ch, Executor pool)
            throws IOException {
        try {
            PartialFile f = new PartialFile(context, path, pieces, ch, pool);
            f.recover();
            return f;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Re-checks the bytes already in the file: keeps whole good pieces and the unfinished last one, cuts the rest. */
    private void recover() throws IOException {
        long length = Math.min(channel.size(), pieces.fileSize());
        long[] good = {0};
        int[] bad = {-1};
        PieceHasher h = PieceHasher.checking(pieces, 0, (i, ok) -> {
            if (ok && bad[0] < 0) {
                good[0] = pieces.start(i) + pieces.length(i);
            } else if (bad[0] < 0) {
                bad[0] = i;
            }
        });
        ByteBuffer buf = ByteBuffer.allocateDirect(READ_CHUNK);
        long pos = 0;
        while (pos < length && bad[0] < 0) {
            buf.clear();
            buf.limit((int) Math.min(READ_CHUNK, length - pos));
            int n = channel.read(buf, pos);
            if (n <= 0) {
                break;
            }
            buf.flip();
            h.update(buf);
            pos += n;
        }
        long keep = bad[0] >= 0 ? pieces.start(bad[0]) : pos;
        if (bad[0] >= 0) {
            // Hashing resumes at the bad piece's start with a fresh digest.
            h = PieceHasher.checking(pieces, keep, this::verdict);
        } else {
            h = rewire(h, good[0], keep);
        }
        if (channel.size() != keep) {
            channel.truncate(keep);
        }
        hasher = h;
        position = keep;
        written = keep;
        hashedGood = good[0];
        verified = good[0];
        synced = keep;
    }

    /**
     * The recovery hasher holds the digest state of the unfinished last piece; new bytes must reach this file's
     * verdicts, so the bytes of that piece are hashed again by a hasher wired to them.
     */
    private PieceHasher rewire(PieceHasher recovered, long goodEnd, long keep) throws IOException {
        PieceHasher h = PieceHasher.checking(pieces, goodEnd, this::verdict);
        ByteBuffer buf = ByteBuffer.allocateDirect(READ_CHUNK);
        long pos = goodEnd;
        while (pos < keep) {
            buf.clear();
            buf.limit((int) Math.min(READ_CHUNK, keep - pos));
            int n = channel.read(buf, pos);
            if (n <= 0) {
                throw new IOException("the partial file shrank while it was checked");
            }
            buf.flip();
            h.update(buf);
            pos += n;
        }
        return h;
    }

    /** The hash lane's verdict on a piece (on the hash lane). */
    private void verdict(int index, boolean good) {
        if (badPending) {
            return;
        }
        if (good) {
            hashedGood = pieces.start(index) + pieces.length(index);
            advance();
        } else {
            badPending = true;
            unreported.set(new PendingBad(new BadPiece(index, pieces.start(index)), epoch));
            advance();
            reportBadOnceVerifiedUpTo();
        }
    }

    private record PendingBad(BadPiece piece, int epoch) {
    }

    /**
     * Reports the pending bad piece once every byte before it is verified, so that a rewind to it is allowed
     * (hash lane and file lane, each after its {@link #advance}).
     */
    private void reportBadOnceVerifiedUpTo() {
        PendingBad p = unreported.get();
        if (p == null || verified < p.piece().start() || !unreported.compareAndSet(p, null)) {
            return;
        }
        context.runOnContext(v -> {
            if (p.epoch() == epoch && badPieceHandler != null) {
                badPieceHandler.handle(p.piece());
            }
        });
    }

    /**
     * Publishes a new verified prefix: whole good pieces that are also written. {@code hashedGood} never passes a
     * bad piece, so the good pieces before one still become readable when the hash lane judged them before the file
     * lane wrote them (a bad verdict may come in between).
     */
    private synchronized void advance() {
        long v = Math.min(written, hashedGood);
        if (v > verified) {
            verified = v;
            Handler<Long> h = verifiedHandler;
            if (h != null) {
                context.runOnContext(x -> h.handle(v));
            }
        }
    }

    public Path path() {
        return path;
    }

    public PieceList pieces() {
        return pieces;
    }

    /** Bytes from the start that are whole, good pieces on disk: what readers may read. */
    public long verified() {
        return verified;
    }

    /** Bytes from the start that a periodic fsync has made durable: what survives a power cut at least. */
    public long durable() {
        return synced;
    }

    /** Where the next byte written goes: the offset to fetch from. */
    public long position() {
        return position;
    }

    /** Whether every piece is verified. */
    public boolean complete() {
        return verified == pieces.fileSize();
    }

    public Throwable failure() {
        return failure;
    }

    /** Called on the owner's context with the new verified prefix whenever it grows. */
    public PartialFile verifiedHandler(Handler<Long> handler) {
        this.verifiedHandler = handler;
        return this;
    }

    /** Called on the owner's context with the bytes written so far, after each batch reaches the file. */
    public PartialFile progressHandler(Handler<Long> handler) {
        this.progressHandler = handler;
        return this;
    }

    /** Called on the owner's context when a piece fails its check. */
    public PartialFile badPieceHandler(Handler<BadPiece> handler) {
        this.badPieceHandler = handler;
        return this;
    }

    @Override
    public PartialFile exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
        if (failure != null) {
            return Future.failedFuture(failure);
        }
        if (closed) {
            return Future.failedFuture(new IllegalStateException("the partial file is closed"));
        }
        int len = data.length();
        if (len == 0) {
            return Future.succeededFuture();
        }
        if (position + len > pieces.fileSize()) {
            fail(new BlobWriter.FileTooLargeException(pieces.fileSize()));
            return Future.failedFuture(failure);
        }
        position += len;
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
        if (batchBytes >= Math.min(BlobWriter.BATCH_BYTES, maxQueuedBytes / 4)) {
            flushBatch();
        } else if (!flushScheduled) {
            flushScheduled = true;
            context.runOnContext(v -> {
                flushScheduled = false;
                flushBatch();
            });
        }
        return done;
    }

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
        long at = position - len;
        int e = epoch;
        queuedBytes.addAndGet(len);
        AtomicInteger lanesLeft = new AtomicInteger(2);
        fileLane.submit(() -> {
            if (e == epoch && failure == null) {
                try {
                    ByteBuffer[] out = new ByteBuffer[parts.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = parts.get(i).duplicate();
                    }
                    long pos = at;
                    for (ByteBuffer b : out) {
                        while (b.hasRemaining()) {
                            pos += channel.write(b, pos);
                        }
                    }
                    written = pos;
                    if (pos - synced >= SYNC_EVERY_BYTES && !syncInFlight) {
                        syncInFlight = true;
                        long upTo = pos;
                        syncLane.submit(() -> periodicSync(e, upTo));
                    }
                    advance();
                    reportBadOnceVerifiedUpTo();
                    Handler<Long> progress = progressHandler;
                    if (progress != null) {
                        long w = pos;
                        context.runOnContext(x -> progress.handle(w));
                    }
                } catch (IOException | RuntimeException ex) {
                    failFromLane(ex);
                }
            }
            laneDone(lanesLeft, len, promise);
        });
        hashLane.submit(() -> {
            if (e == epoch && failure == null && !badPending) {
                for (ByteBuffer part : parts) {
                    hasher.update(part);
                }
            }
            laneDone(lanesLeft, len, promise);
        });
    }

    /** On the sync lane: makes at least the first {@code upTo} bytes durable, unless a rewind or close came first. */
    private void periodicSync(int e, long upTo) {
        try {
            if (e == epoch && !closed && failure == null) {
                channel.force(false);
                if (!nameDurable) {
                    DurableDirectories.fsync(path.getParent());
                    nameDurable = true;
                }
                synced = Math.max(synced, upTo);
            }
        } catch (java.nio.channels.ClosedChannelException closing) {
            // closed by finish, close or rewind's owner: their own fsync or the resume check covers the bytes
        } catch (IOException | RuntimeException ex) {
            failFromLane(ex);
        } finally {
            // Bytes that arrived during this fsync get their own as soon as they are worth one, even if no
            // further write comes to ask for it.
            fileLane.submit(() -> {
                syncInFlight = false;
                long w = written;
                if (e == epoch && !closed && failure == null && w - synced >= SYNC_EVERY_BYTES) {
                    syncInFlight = true;
                    syncLane.submit(() -> periodicSync(e, w));
                }
            });
        }
    }

    private void laneDone(AtomicInteger lanesLeft, int len, Promise<Void> promise) {
        if (lanesLeft.decrementAndGet() != 0) {
            return;
        }
        long queued = queuedBytes.addAndGet(-len);
        context.runOnContext(v -> {
            Throwable f = failure;
            if (f != null) {
                promise.tryFail(f);
                return;
            }
            promise.tryComplete();
            Handler<Void> drain = drainHandler;
            if (drain != null && queued <= maxQueuedBytes / 2) {
                drainHandler = null;
                drain.handle(null);
            }
        });
    }

    /**
     * Drops everything from {@code offset} (a piece boundary at or before the first unverified piece) on: the lanes
     * finish what they hold, the file is cut there, and the next byte written is byte {@code offset}. Call on the
     * owner's context once the source of the bytes being dropped is stopped.
     */
    public Future<Void> rewind(long offset) {
        if (offset % pieces.pieceSize() != 0 || offset > verified) {
            return Future.failedFuture(new IllegalArgumentException("rewind to " + offset + ": not a piece boundary at or "
                    + "before the verified " + verified));
        }
        flushBatch();
        epoch++;
        position = offset;
        Promise<Void> p = Promise.promise();
        AtomicInteger lanesLeft = new AtomicInteger(2);
        Runnable barrier = () -> {
            if (lanesLeft.decrementAndGet() != 0) {
                return;
            }
            try {
                channel.truncate(offset);
                written = offset;
                synced = Math.min(synced, offset);
                hashedGood = offset;
                unreported.set(null);
                hasher = PieceHasher.checking(pieces, offset, this::verdict);
                badPending = false;
                context.runOnContext(v -> p.complete());
            } catch (IOException | RuntimeException ex) {
                failFromLane(ex);
                context.runOnContext(v -> p.fail(ex));
            }
        };
        fileLane.submit(barrier);
        hashLane.submit(barrier);
        return p.future();
    }

    /** Waits for the lanes, checks that every piece is verified, fsyncs and closes the file (it stays at {@link #path()}). */
    public Future<Void> finish() {
        flushBatch();
        closed = true;
        Promise<Void> p = Promise.promise();
        AtomicInteger lanesLeft = new AtomicInteger(3);
        Runnable last = () -> {
            if (lanesLeft.decrementAndGet() != 0) {
                return;
            }
            try {
                if (failure != null) {
                    throw failure;
                }
                if (verified != pieces.fileSize()) {
                    throw new IOException("the file is not complete: " + verified + " of " + pieces.fileSize()
                            + " bytes verified");
                }
                channel.force(true);
                channel.close();
                context.runOnContext(v -> p.complete());
            } catch (Throwable e) {
                Throwable cause = StoreFullException.isNoSpace(e) ? new StoreFullException("no space left in the blob store", e) : e;
                closeQuietly();
                context.runOnContext(v -> p.fail(cause));
            }
        };
        fileLane.submit(last);
        hashLane.submit(last);
        syncLane.submit(last);
        return p.future();
    }

    /** Stops writing and closes the file, which stays for a later resume unless {@code delete}. Safe to repeat. */
    public Future<Void> close(boolean delete) {
        closed = true;
        epoch++;
        batch = null;
        batchBytes = 0;
        Promise<Void> p = Promise.promise();
        fileLane.submit(() -> {
            closeQuietly();
            if (delete) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // left for the next start, which deletes unwanted partial files
                }
            }
            context.runOnContext(v -> p.complete());
        });
        return p.future();
    }

    @Override
    public Future<Void> end() {
        return finish();
    }

    @Override
    public PartialFile setWriteQueueMaxSize(int maxSize) {
        this.maxQueuedBytes = maxSize;
        return this;
    }

    @Override
    public boolean writeQueueFull() {
        return queuedBytes.get() + batchBytes >= maxQueuedBytes;
    }

    @Override
    public PartialFile drainHandler(Handler<Void> handler) {
        this.drainHandler = handler;
        if (handler != null && !writeQueueFull()) {
            this.drainHandler = null;
            context.runOnContext(v -> handler.handle(null));
        }
        return this;
    }

    private void failFromLane(Throwable e) {
        Throwable cause = StoreFullException.isNoSpace(e) && !(e instanceof StoreFullException)
                ? new StoreFullException("no space left in the blob store", e) : e;
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

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing or closing
        }
    }
}
