package io.imgfed.transfer.pull;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.transfer.store.BlobDigest;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.BlobWriter;
import io.imgfed.transfer.store.DigestKind;
import io.imgfed.transfer.store.SpaceReservations;
import io.imgfed.transfer.store.StoreFullException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls files from other DCs into this one. One transfer per file at a time (single-flight): every request
 * for a file joins the running transfer. A transfer picks the best source, resumes with {@code Range} from
 * the byte reached when a source fails or stalls (from the same source after its backoff, or the next one),
 * verifies size, sha1 and md5 before the file is committed, and on a mismatch discards the file, marks its
 * sources suspect for that file and starts over elsewhere. After {@code attempts} attempts it fails.
 *
 * <p>All transfer state changes run on the engine's own event-loop context.
 */
public final class TransferEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TransferEngine.class);
    private static final int RECENT = 200;
    private static final long RECENT_MILLIS = Duration.ofMinutes(15).toMillis();
    private static final long PROGRESS_INTERVAL_NANOS = 250_000_000L;

    private final Vertx vertx;
    private final Context context;
    private final String dc;
    private final BlobStore store;
    private final SpaceReservations space;
    private final SourcePicker picker;
    private final PeerFetcher fetcher;
    private final TransferPolicy policy;
    private final SourceBackoff backoff;
    private final TransferListener listener;
    private final Map<String, Transfer> active = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
    private final Deque<Transfer> queued = new ArrayDeque<>();
    private final Deque<Transfer> recent = new ArrayDeque<>();
    private int running;

    /** The transfer a request is served from, and whether the request joined one already running. */
    public record Obtained(Transfer transfer, boolean joined) {
    }

    public TransferEngine(Vertx vertx, String dc, BlobStore store, SpaceReservations space, SourcePicker picker,
            PeerFetcher fetcher, TransferPolicy policy, TransferListener listener) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.dc = dc;
        this.store = store;
        this.space = space;
        this.picker = picker;
        this.fetcher = fetcher;
        this.policy = policy;
        this.backoff = new SourceBackoff(policy.retryInitial(), policy.retryMax(), System::nanoTime);
        this.listener = listener;
    }

    /**
     * The transfer of a file into this DC: the running one, or a new one; null when the file is already
     * here (a transfer just finished). Throws ServiceUnavailable (with Retry-After) when no DC can serve
     * the file right now.
     */
    public Obtained obtain(FileRequest request) {
        Transfer existing = active.get(request.sha1());
        if (existing != null) {
            return new Obtained(existing, true);
        }
        if (store.contains(request.sha1())) {
            return null;
        }
        List<SourceCandidate> candidates = picker.candidates(request.sha1(), Set.of());
        if (candidates.isEmpty()) {
            throw ImgapiError.unavailable("no DC that holds the file " + request.sha1() + " is reachable", 10).toException();
        }
        Transfer t = new Transfer(request, dc);
        Transfer raced = active.putIfAbsent(request.sha1(), t);
        if (raced != null) {
            return new Obtained(raced, true);
        }
        context.runOnContext(v -> schedule(t));
        return new Obtained(t, false);
    }

    /** The running transfer of a file, if any. */
    public Optional<Transfer> find(String sha1) {
        return Optional.ofNullable(active.get(sha1));
    }

    /** Running transfers and those that ended in the last minutes, newest first. */
    public List<Transfer> snapshot() {
        List<Transfer> out = new ArrayList<>(active.values());
        synchronized (recent) {
            long cutoff = System.currentTimeMillis() - RECENT_MILLIS;
            for (Transfer t : recent) {
                if (t.finishedAtMillis() >= cutoff) {
                    out.add(t);
                }
            }
        }
        out.sort((a, b) -> Long.compare(b.createdAtMillis(), a.createdAtMillis()));
        return out;
    }

    public int inflight() {
        return active.size();
    }

    /** A DC came back: forget its failures so it is tried at once. */
    public void sourceRecovered(String sourceDc) {
        backoff.succeeded(sourceDc);
    }

    /** How long until some source of this file may be tried again; zero if one may be tried now. */
    public Duration retryAfter(Transfer t) {
        long at = t.nextAttemptAtMillis();
        return at == 0 ? Duration.ZERO : Duration.ofMillis(Math.max(0, at - System.currentTimeMillis()));
    }

    private void schedule(Transfer t) {
        if (running >= policy.maxConcurrent()) {
            queued.add(t);
            return;
        }
        running++;
        TransferLog.of(t).run(() -> LOG.info("transfer {} of {} ({} bytes, image {}) started for {}", t.id(), t.sha1(),
                t.size(), t.request().imageUuid(), t.request().reason().wireName()));
        listener.started(t);
        space.reserve(t.size()).onComplete(ar -> {
            if (ar.failed()) {
                fail(t, ar.cause() instanceof StoreFullException ? "not enough room in this DC's store: " + ar.cause().getMessage()
                        : "cannot reserve room: " + ar.cause(), null, true);
                return;
            }
            SpaceReservations.Reservation reservation = ar.result();
            t.done().onComplete(done -> reservation.release());
            newGeneration(t).onSuccess(v -> attempt(t)).onFailure(err -> fail(t, "cannot create a temp file: " + err, null));
        });
    }

    private Future<Void> newGeneration(Transfer t) {
        return store.newWriter(context, EnumSet.of(DigestKind.SHA1, DigestKind.MD5), t.size()).map(w -> {
            long[] lastProgress = {System.nanoTime(), 0};
            w.progressHandler(written -> {
                t.changed();
                long now = System.nanoTime();
                // The writer's two lanes may report out of order; only forward progress counts.
                if (written > lastProgress[1] && now - lastProgress[0] >= PROGRESS_INTERVAL_NANOS) {
                    long bytes = written - lastProgress[1];
                    t.rate((long) (bytes / ((now - lastProgress[0]) / 1e9)));
                    lastProgress[0] = now;
                    lastProgress[1] = written;
                    listener.progress(t);
                }
            });
            t.startGeneration(w);
            return null;
        });
    }

    private void attempt(Transfer t) {
        if (t.state().finished()) {
            return;
        }
        if (t.attempts() >= policy.attempts()) {
            fail(t, "gave up after " + t.attempts() + " attempts; last error: " + t.error(), null);
            return;
        }
        List<SourceCandidate> candidates = picker.candidates(t.sha1(), t.tainted());
        if (candidates.isEmpty()) {
            fail(t, t.tainted().isEmpty() ? "no reachable DC holds the file"
                    : "every DC holding the file served bytes that failed verification (" + t.tainted() + ")", null);
            return;
        }
        SourceCandidate chosen = null;
        Duration soonest = null;
        for (SourceCandidate c : candidates) {
            Duration wait = backoff.remaining(c.dc());
            if (wait.isZero()) {
                chosen = c;
                break;
            }
            soonest = soonest == null || wait.compareTo(soonest) < 0 ? wait : soonest;
        }
        if (chosen == null) {
            long ms = Math.max(1, soonest.toMillis());
            t.nextAttemptAt(System.currentTimeMillis() + ms);
            t.state(Transfer.State.BACKOFF);
            vertx.setTimer(ms, id -> context.runOnContext(v -> attempt(t)));
            return;
        }
        SourceCandidate source = chosen;
        t.nextAttemptAt(0);
        t.attempt(source.dc());
        t.state(Transfer.State.RUNNING);
        BlobWriter writer = t.writer();
        long offset = writer.accepted();
        int generation = t.generation();
        String requestId = t.request().requestId() != null ? t.request().requestId() : t.id();
        fetcher.open(source, t.sha1(), offset, t.size(), requestId).onComplete(ar -> {
            if (t.generation() != generation || t.state().finished()) {
                if (ar.succeeded()) {
                    ar.result().close();
                }
                return;
            }
            if (ar.failed()) {
                sourceFailed(t, source, ar.cause().getMessage());
            } else {
                pump(t, source, writer, ar.result());
            }
        });
    }

    /** Moves one source's bytes into the writer, with backpressure, rate limit and stall detection. */
    private void pump(Transfer t, SourceCandidate source, BlobWriter writer, PeerFetcher.SourceStream stream) {
        ReadStream<Buffer> body = stream.body();
        Segment seg = new Segment();
        RateLimiter limiter = policy.rateLimit() > 0
                ? limiters.computeIfAbsent(source.dc(), d -> new RateLimiter(policy.rateLimit(), System::nanoTime)) : null;
        long stallNanos = policy.stallTimeout().toNanos();
        long check = Math.max(50, policy.stallTimeout().toMillis() / 4);
        Runnable maybeResume = () -> {
            if (!seg.ended && !writer.writeQueueFull() && seg.rateLimitedUntilNanos <= System.nanoTime()) {
                seg.lastByteNanos = System.nanoTime();
                seg.pausedForWriter = false;
                body.resume();
            }
        };
        seg.stallTimer = vertx.setPeriodic(check, id -> context.runOnContext(v -> {
            if (seg.ended) {
                return;
            }
            if (seg.pausedForWriter && !writer.writeQueueFull() && System.nanoTime() - seg.lastByteNanos > stallNanos / 4) {
                // The writer has room but its drain signal never came (seen once in the chaos suite: a pull paused at
                // 10 MB until the source connection idled out a minute later); a paused body would wait for good.
                TransferLog.of(t).run(() -> LOG.warn("transfer {} was paused for its writer, which has room: resuming",
                        t.id()));
                maybeResume.run();
            } else if (!seg.paused() && System.nanoTime() - seg.lastByteNanos > stallNanos) {
                seg.end(vertx);
                stream.close();
                sourceFailed(t, source, "no bytes for " + policy.stallTimeout().toSeconds() + " s (stalled)");
            }
        }));
        body.handler(buf -> {
            if (seg.ended) {
                return;
            }
            int n = buf.length();
            seg.lastByteNanos = System.nanoTime();
            seg.bytes += n;
            t.received(source.dc(), n);
            writer.write(buf);
            Throwable failure = writer.failure();
            if (failure != null) {
                writerFailed(t, source, seg, stream, failure);
                return;
            }
            if (writer.writeQueueFull()) {
                seg.pausedForWriter = true;
                body.pause();
                writer.drainHandler(v -> maybeResume.run());
            }
            if (limiter != null) {
                long waitMs = limiter.consume(n);
                if (waitMs > 0) {
                    seg.rateLimitedUntilNanos = System.nanoTime() + waitMs * 1_000_000;
                    body.pause();
                    vertx.setTimer(waitMs, id -> context.runOnContext(v -> maybeResume.run()));
                }
            }
        });
        // A write that fails on the disk (full, I/O error) while the body is paused for the writer would otherwise
        // go unnoticed: the paused body brings no more bytes, and the stall check leaves a paused segment alone.
        writer.exceptionHandler(err -> context.runOnContext(v -> {
            if (!seg.ended && t.writer() == writer) {
                writerFailed(t, source, seg, stream, err);
            }
        }));
        body.exceptionHandler(err -> {
            if (!seg.ended) {
                seg.end(vertx);
                stream.close();
                sourceFailed(t, source, "connection failed: " + err.getMessage());
            }
        });
        body.endHandler(v -> {
            if (seg.ended) {
                return;
            }
            seg.end(vertx);
            picker.measured(source.dc(), seg.bytes, System.nanoTime() - seg.startNanos);
            if (writer.accepted() < t.size()) {
                sourceFailed(t, source, "the source ended at byte " + writer.accepted() + " of " + t.size());
            } else {
                verify(t, source, writer);
            }
        });
        // The fetcher hands the body over paused, so no byte arrives before these handlers exist.
        body.resume();
    }

    /** The writer of the current generation failed: ends the segment and the transfer (or retries a bad source). */
    private void writerFailed(Transfer t, SourceCandidate source, Segment seg, PeerFetcher.SourceStream stream,
            Throwable failure) {
        seg.end(vertx);
        stream.close();
        if (failure instanceof BlobWriter.FileTooLargeException) {
            corrupted(t, source.dc() + " sent more bytes than the file has");
        } else if (failure instanceof StoreFullException) {
            fail(t, "this DC's disk is full: " + failure.getMessage(), null, true);
        } else {
            fail(t, "writing the file failed: " + failure, null);
        }
    }

    /** One source connection of a transfer. */
    private static final class Segment {
        final long startNanos = System.nanoTime();
        volatile long lastByteNanos = System.nanoTime();
        volatile long rateLimitedUntilNanos;
        volatile boolean pausedForWriter;
        long bytes;
        long stallTimer = -1;
        boolean ended;

        /** Paused by this side (slow disk or rate limit) is not the source stalling. */
        boolean paused() {
            return pausedForWriter || rateLimitedUntilNanos > System.nanoTime();
        }

        void end(Vertx vertx) {
            ended = true;
            if (stallTimer >= 0) {
                vertx.cancelTimer(stallTimer);
            }
        }
    }

    private void sourceFailed(Transfer t, SourceCandidate source, String why) {
        if (t.state().finished()) {
            return;
        }
        String message = "from " + source.dc() + ": " + why;
        t.error(message);
        Duration rest = backoff.failed(source.dc());
        TransferLog.of(t).run(() -> LOG.warn("transfer {} of {} interrupted at byte {} {}; source rests {} ms", t.id(),
                t.sha1(), t.written(), message, rest.toMillis()));
        attempt(t);
    }

    private void verify(Transfer t, SourceCandidate source, BlobWriter writer) {
        t.state(Transfer.State.VERIFYING);
        writer.finish().onComplete(ar -> {
            if (ar.failed()) {
                fail(t, "finishing the file failed: " + ar.cause(), null);
                return;
            }
            BlobDigest d = ar.result();
            FileRequest r = t.request();
            String mismatch = d.size() != r.size() ? "size " + d.size() + " instead of " + r.size()
                    : !d.sha1().equals(r.sha1()) ? "sha1 " + d.sha1() + " instead of " + r.sha1()
                    : r.md5() != null && !r.md5().equals(d.md5()) ? "md5 " + d.md5() + " instead of " + r.md5() : null;
            if (mismatch != null) {
                writer.abort();
                corrupted(t, "the file from " + t.contributors() + " failed verification: " + mismatch);
                return;
            }
            TransferOutcome outcome = outcome(t, true, null);
            listener.recording(outcome)
                    .compose(v -> store.commit(writer, d))
                    .onComplete(commit -> {
                        if (commit.failed()) {
                            writer.abort();
                            fail(t, "committing the verified file failed: " + commit.cause(), outcome);
                            return;
                        }
                        backoff.succeeded(source.dc());
                        t.completed(store.blobPath(t.sha1()));
                        TransferLog.of(t).run(() -> LOG.info("transfer {} of {} ({} bytes) completed from {} in {} attempt(s), "
                                + "{} bytes moved", t.id(), t.sha1(), t.size(), t.source(), t.attempts(), t.bytesMoved()));
                        ended(t, outcome);
                    });
        });
    }

    /** Discards the current file, marks its sources suspect for it, and starts over from a clean one. */
    private void corrupted(Transfer t, String why) {
        TransferLog.of(t).run(() -> LOG.error("transfer {} of {}: {}; discarding the file and trying another source", t.id(),
                t.sha1(), why));
        t.error(why);
        t.taintContributors();
        BlobWriter old = t.writer();
        old.abort();
        newGeneration(t).onSuccess(v -> attempt(t)).onFailure(err -> fail(t, "cannot create a temp file: " + err, null));
    }

    private void fail(Transfer t, String why, TransferOutcome recorded) {
        fail(t, why, recorded, false);
    }

    private void fail(Transfer t, String why, TransferOutcome recorded, boolean storage) {
        if (t.state().finished()) {
            return;
        }
        BlobWriter w = t.writer();
        if (w != null) {
            w.abort();
        }
        t.error(why);
        TransferOutcome outcome = outcome(t, false, why);
        // An outcome recorded already (billing appended before a commit that then failed) is not recorded twice.
        Future<Void> record = recorded != null ? Future.succeededFuture() : listener.recording(outcome);
        record.onComplete(ar -> {
            if (ar.failed()) {
                LOG.error("transfer {}: the failure could not be recorded durably: {}", t.id(), ar.cause().toString());
            }
            t.failed(why, storage);
            TransferLog.of(t).run(() -> LOG.warn("transfer {} of {} failed: {}", t.id(), t.sha1(), why));
            ended(t, outcome);
        });
    }

    private TransferOutcome outcome(Transfer t, boolean completed, String error) {
        return new TransferOutcome(t.id(), t.request(), dc, completed, t.bytesBySource(), t.source(), t.attempts(),
                t.createdAtMillis(), System.currentTimeMillis(), error);
    }

    private void ended(Transfer t, TransferOutcome outcome) {
        active.remove(t.sha1(), t);
        synchronized (recent) {
            recent.addFirst(t);
            while (recent.size() > RECENT) {
                recent.removeLast();
            }
        }
        running--;
        try {
            listener.finished(t, outcome);
        } finally {
            Transfer next = queued.poll();
            if (next != null) {
                schedule(next);
            }
        }
    }

    /** Everything the engine was asked for, for tests and /transfers. */
    public Collection<Transfer> active() {
        return List.copyOf(active.values());
    }
}
