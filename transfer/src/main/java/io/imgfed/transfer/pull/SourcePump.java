package io.imgfed.transfer.pull;

import io.imgfed.transfer.store.PartialFile;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one source connection's bytes into a transfer's partial file, with backpressure (the body pauses while
 * the file's write queue is full), the per-link rate limit and stall detection. It ends exactly once, telling the
 * engine why: the source ended, failed or stalled, the file failed, or the engine stopped it. Engine context only.
 */
final class SourcePump {
    private static final Logger LOG = LoggerFactory.getLogger(SourcePump.class);

    /** How a pump ended. */
    sealed interface End permits SourceEnded, SourceFailed, FileFailed, Stopped {
    }

    /** The source sent its last byte. */
    record SourceEnded() implements End {
    }

    /** The connection failed or went silent; the source is to blame. */
    record SourceFailed(String why) implements End {
    }

    /** Writing to this DC's disk failed. */
    record FileFailed(Throwable cause) implements End {
    }

    /** The engine stopped it (a bad piece, the transfer ended). */
    record Stopped() implements End {
    }

    interface Ends {
        void ended(SourcePump pump, End end);
    }

    private final Vertx vertx;
    private final Context context;
    private final Transfer transfer;
    private final SourceCandidate source;
    private final PartialFile file;
    private final PeerFetcher.SourceStream stream;
    private final RateLimiter limiter;
    private final long stallNanos;
    private final Ends ends;
    private final long startNanos = System.nanoTime();
    private volatile long lastByteNanos = System.nanoTime();
    private long rateLimitedUntilNanos;
    private boolean pausedForFile;
    private long bytes;
    private long timer = -1;
    private boolean ended;

    SourcePump(Vertx vertx, Context context, Transfer transfer, SourceCandidate source, PartialFile file,
            PeerFetcher.SourceStream stream, RateLimiter limiter, java.time.Duration stallTimeout, Ends ends) {
        this.vertx = vertx;
        this.context = context;
        this.transfer = transfer;
        this.source = source;
        this.file = file;
        this.stream = stream;
        this.limiter = limiter;
        this.stallNanos = stallTimeout.toNanos();
        this.ends = ends;
    }

    SourceCandidate source() {
        return source;
    }

    /** Bytes this connection delivered. */
    long bytes() {
        return bytes;
    }

    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    void start() {
        ReadStream<Buffer> body = stream.body();
        long check = Math.max(50, stallNanos / 4_000_000);
        timer = vertx.setPeriodic(check, id -> context.runOnContext(v -> checkStall(body)));
        body.handler(buf -> {
            if (ended) {
                stream.release(buf);
                return;
            }
            int n = buf.length();
            lastByteNanos = System.nanoTime();
            long at = file.position();
            bytes += n;
            transfer.received(source.dc(), at, n);
            file.write(buf).onComplete(written -> stream.release(buf));
            Throwable failure = file.failure();
            if (failure != null) {
                end(new FileFailed(failure));
                return;
            }
            if (file.writeQueueFull()) {
                pausedForFile = true;
                body.pause();
                file.drainHandler(v -> resume(body));
            }
            if (limiter != null) {
                long waitMs = limiter.consume(n);
                if (waitMs > 0) {
                    rateLimitedUntilNanos = System.nanoTime() + waitMs * 1_000_000;
                    body.pause();
                    vertx.setTimer(waitMs, id -> context.runOnContext(v -> resume(body)));
                }
            }
        });
        // A write that fails on the disk while the body is paused for the file would otherwise go unnoticed: the
        // paused body brings no more bytes, and the stall check leaves a paused pump alone.
        file.exceptionHandler(err -> context.runOnContext(v -> end(new FileFailed(err))));
        body.exceptionHandler(err -> end(new SourceFailed("connection failed: " + err.getMessage())));
        body.endHandler(v -> end(new SourceEnded()));
        body.resume();
    }

    private void resume(ReadStream<Buffer> body) {
        if (!ended && !file.writeQueueFull() && rateLimitedUntilNanos <= System.nanoTime()) {
            lastByteNanos = System.nanoTime();
            pausedForFile = false;
            body.resume();
        }
    }

    private void checkStall(ReadStream<Buffer> body) {
        if (ended) {
            return;
        }
        boolean paused = pausedForFile || rateLimitedUntilNanos > System.nanoTime();
        if (pausedForFile && !file.writeQueueFull() && System.nanoTime() - lastByteNanos > stallNanos / 4) {
            // The file has room but its drain signal never came: a paused body would wait for good.
            TransferLog.of(transfer).run(() -> LOG.warn("transfer {} was paused for its file, which has room: resuming",
                    transfer.id()));
            resume(body);
        } else if (!paused && System.nanoTime() - lastByteNanos > stallNanos) {
            end(new SourceFailed("no bytes for " + stallNanos / 1_000_000_000 + " s (stalled)"));
        }
    }

    /** Stops the connection; the engine decides what comes next. */
    void stop() {
        end(new Stopped());
    }

    private void end(End why) {
        if (ended) {
            return;
        }
        ended = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (!(why instanceof SourceEnded)) {
            stream.close();
        }
        ends.ended(this, why);
    }
}
