package io.imgfed.transfer.pull;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.pieces.PieceList;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.PartialFile;
import io.imgfed.transfer.store.SpaceReservations;
import io.imgfed.transfer.store.StoreFullException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls files from other DCs into this one. One transfer per file at a time (single-flight): every request for a
 * file joins the running transfer. A transfer picks the best source, checks every piece as it arrives against
 * what the home DC signed ({@link PieceList}), resumes with {@code Range} from the byte reached when a source
 * fails or stalls (the same source after its backoff, or the next one), and when a piece is bad drops it, blames
 * the source that sent it and fetches it again elsewhere. It gives up after {@code attempts} attempts in a row
 * that brought nothing new. A transfer an earlier process was running is taken up again ({@link #resume}) under
 * its own id, from what its partial file holds that checks out.
 *
 * <p>Each transfer runs on an event loop of its own ({@link Transfer#context()}), taken in turn, so that several
 * pulls use several cores: its source connections, its file's results and every decision about it happen there.
 * What the engine shares among transfers (the queue, the count running) is {@link TransferSlots}'.
 */
public final class TransferEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TransferEngine.class);
    private static final int RECENT = 200;
    private static final long RECENT_MILLIS = Duration.ofMinutes(15).toMillis();
    private static final long PROGRESS_INTERVAL_NANOS = 250_000_000L;
    /** How long a resumed transfer waits for the federation to show a DC holding its file. */
    private static final long RESUME_SOURCE_WAIT_MILLIS = 60_000;
    private static final long RESUME_RETRY_MILLIS = 2_000;

    private final Vertx vertx;
    private final VertxInternal vertxInternal;
    private final String dc;
    private final BlobStore store;
    private final SpaceReservations space;
    private final SourcePicker picker;
    private final PeerFetcher fetcher;
    private final TransferPolicy policy;
    private final SourceBackoff backoff;
    private final TransferListener listener;
    private final TransferFiles files;
    private final Map<String, Transfer> active = new ConcurrentHashMap<>();
    private final SourcePumps pumps;
    /** Transfers whose last piece is verified and that are being committed. */
    private final Set<String> finishing = ConcurrentHashMap.newKeySet();
    private final TransferSlots slots;
    private final RecentTransfers recent = new RecentTransfers(RECENT, RECENT_MILLIS);
    private final long startedAtMillis = System.currentTimeMillis();
    private volatile PullAdmission admission = PullAdmission.OPEN;

    /** The transfer a request is served from, and whether the request joined one already running. */
    public record Obtained(Transfer transfer, boolean joined) {
    }

    public TransferEngine(Vertx vertx, String dc, BlobStore store, SpaceReservations space, SourcePicker picker,
            PeerFetcher fetcher, TransferPolicy policy, TransferListener listener) {
        this.vertx = vertx;
        this.vertxInternal = (VertxInternal) vertx;
        this.dc = dc;
        this.store = store;
        this.space = space;
        this.picker = picker;
        this.fetcher = fetcher;
        this.policy = policy;
        this.backoff = new SourceBackoff(policy.retryInitial(), policy.retryMax(), System::nanoTime);
        this.listener = listener;
        this.files = new TransferFiles(store, fetcher);
        this.pumps = new SourcePumps(vertx, policy);
        this.slots = new TransferSlots(policy.maxConcurrent());
    }

    /** Decides whether new pulls may start (billing refuses them while its outbox cannot take events). */
    public void admission(PullAdmission a) {
        this.admission = a;
    }

    // ---------------------------------------------------------------- requests

    /**
     * The transfer of a file into this DC: the running one, or a new one; null when the file is already here
     * (a transfer just finished). Throws ServiceUnavailable (with Retry-After) when no DC can serve the file right
     * now, or new pulls are refused.
     */
    public Obtained obtain(FileRequest request) {
        Transfer existing = active.get(request.sha1());
        if (existing != null) {
            return new Obtained(existing, true);
        }
        if (store.contains(request.sha1())) {
            return null;
        }
        PullAdmission.Refusal refusal = admission.check();
        if (refusal != null) {
            throw ImgapiError.unavailable(refusal.why(), refusal.retryAfterSeconds()).toException();
        }
        List<SourceCandidate> candidates = picker.candidates(request.sha1(), Set.of());
        if (candidates.isEmpty()) {
            throw ImgapiError.unavailable("no DC that holds the file " + request.sha1() + " is reachable", 10).toException();
        }
        Transfer t = new Transfer(request, dc, newContext());
        Transfer raced = active.putIfAbsent(request.sha1(), t);
        if (raced != null) {
            return new Obtained(raced, true);
        }
        schedule(t);
        return new Obtained(t, false);
    }

    /**
     * Takes up the transfers an earlier process was running when it stopped, under their own ids: each resumes from
     * what its partial file holds that checks out, so the bytes already moved are neither moved nor billed twice.
     * A file that meanwhile arrived otherwise is billed as the interrupted transfer it was. Partial files no
     * checkpoint claims are deleted. Call once, after the federation is joined.
     */
    public Future<Void> resume(List<TransferCheckpoint> leftovers) {
        return store.partialFiles().compose(partials -> {
            Set<String> claimed = ConcurrentHashMap.newKeySet();
            List<Future<?>> work = new ArrayList<>();
            for (TransferCheckpoint c : leftovers) {
                if (store.contains(c.request().sha1()) || active.containsKey(c.request().sha1())
                        || !claimed.add(c.request().sha1())) {
                    if (active.containsKey(c.request().sha1())) {
                        claimed.add(c.request().sha1()); // a transfer of this process uses the partial file now
                    }
                    Transfer t = new Transfer(c, dc, newContext());
                    TransferOutcome o = outcome(t, false, "interrupted: the daemon stopped during the transfer");
                    work.add(listener.recording(o));
                    continue;
                }
                Transfer t = new Transfer(c, dc, newContext());
                active.put(t.sha1(), t);
                TransferLog.of(t).run(() -> LOG.info("transfer {} of {} ({} bytes moved before the restart) is taken up "
                        + "again", t.id(), t.sha1(), t.bytesMoved()));
                schedule(t);
            }
            for (String sha1 : partials) {
                if (!claimed.contains(sha1)) {
                    work.add(store.deletePartial(sha1));
                }
            }
            return Future.join(work).mapEmpty();
        });
    }

    /** The running transfer of a file, if any. */
    public Optional<Transfer> find(String sha1) {
        return Optional.ofNullable(active.get(sha1));
    }

    /** Running transfers and those that ended in the last minutes, newest first. */
    public List<Transfer> snapshot() {
        List<Transfer> out = new ArrayList<>(active.values());
        recent.addTo(out);
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

    // ---------------------------------------------------------------- attempts (transfer context)

    /** A new event-loop context, on the next event loop in turn. */
    private Context newContext() {
        return vertxInternal.createEventLoopContext();
    }

    /** Runs {@code work} on the transfer's context: at once when already there, else as soon as it gets there. */
    private static void on(Transfer t, Runnable work) {
        if (Vertx.currentContext() == t.context()) {
            work.run();
        } else {
            t.context().runOnContext(v -> work.run());
        }
    }

    /** Starts a transfer now, or queues it while {@code transfer.maxConcurrent} run. Any thread. */
    private void schedule(Transfer t) {
        if (slots.take(t)) {
            on(t, () -> start(t));
        }
    }

    private void start(Transfer t) {
        TransferLog.of(t).run(() -> LOG.info("transfer {} of {} ({} bytes, image {}) started for {}", t.id(), t.sha1(),
                t.size(), t.request().imageUuid(), t.request().reason().wireName()));
        listener.started(t);
        space.reserve(t.size()).onComplete(ar -> on(t, () -> {
            if (ar.failed()) {
                fail(t, ar.cause() instanceof StoreFullException ? "not enough room in this DC's store: " + ar.cause().getMessage()
                        : "cannot reserve room: " + ar.cause(), true);
                return;
            }
            SpaceReservations.Reservation reservation = ar.result();
            t.done().onComplete(done -> reservation.release());
            attempt(t);
        }));
    }

    private void attempt(Transfer t) {
        if (t.state().finished()) {
            return;
        }
        if (t.fruitlessAttempts() >= policy.attempts()) {
            fail(t, "gave up after " + t.fruitlessAttempts() + " attempts in a row that brought no new byte; last error: "
                    + t.error(), false);
            return;
        }
        List<SourceCandidate> candidates = picker.candidates(t.sha1(), t.tainted());
        if (candidates.isEmpty()) {
            if (t.resumed() && t.tainted().isEmpty() && System.currentTimeMillis() - startedAtMillis < RESUME_SOURCE_WAIT_MILLIS) {
                // Just after a restart the federation may not yet show who holds the file.
                t.error("waiting for the federation to show a DC that holds the file");
                backOff(t, RESUME_RETRY_MILLIS);
                return;
            }
            fail(t, t.tainted().isEmpty() ? "no reachable DC holds the file"
                    : "every DC holding the file served bytes that failed verification (" + t.tainted() + ")", false);
            return;
        }
        SourceBackoff.Choice choice = backoff.firstReady(candidates);
        if (choice.source() == null) {
            backOff(t, Math.max(1, choice.delay().toMillis()));
            return;
        }
        SourceCandidate source = choice.source();
        t.nextAttemptAt(0);
        t.attempt(source.dc());
        t.state(Transfer.State.RUNNING);
        String requestId = t.request().requestId() != null ? t.request().requestId() : t.id();
        // A new transfer asks the source for the file from byte 0 while the piece list is fetched and the
        // partial file created, not after: that was one round trip and a file creation (about 15 ms here, an
        // RTT more across a WAN) before the first byte. The stream waits, paused, for the file.
        Future<PeerFetcher.SourceStream> early = t.file() == null && !t.resumed()
                ? fetcher.open(source, t.sha1(), 0, t.size(), requestId) : null;
        files.open(t, source, requestId).map(file -> {
            if (file == t.file()) {
                return file;
            }
            if (t.file() != null || t.state().finished()) {
                file.close(false); // opened twice meanwhile: the first one stays
                return t.file();
            }
            watch(t, file);
            t.file(file);
            return file;
        }).onComplete(ar -> {
            PartialFile file = ar.succeeded() ? ar.result() : null;
            boolean fromStart = file != null && !t.state().finished() && !file.complete() && file.position() == 0;
            if (!fromStart) {
                closeWhenOpen(early); // not wanted, or the file already held bytes: asked from where it ends below
            }
            if (t.state().finished()) {
                return;
            }
            if (ar.failed()) {
                if (ar.cause() instanceof StoreFullException) {
                    fail(t, "this DC's disk is full: " + ar.cause().getMessage(), true);
                } else if (ar.cause() instanceof TransferFiles.BadPieceList bad) {
                    t.taint(source.dc());
                    sourceFailed(t, source, bad.getMessage());
                } else {
                    sourceFailed(t, source, ar.cause().getMessage());
                }
                return;
            }
            if (file.complete()) {
                finish(t);
                return;
            }
            Future<PeerFetcher.SourceStream> stream = fromStart && early != null ? early
                    : fetcher.open(source, t.sha1(), file.position(), t.size(), requestId);
            stream.onComplete(opened -> on(t, () -> {
                if (t.state().finished() || t.file() != file) {
                    if (opened.succeeded()) {
                        opened.result().close();
                    }
                    return;
                }
                if (opened.failed()) {
                    sourceFailed(t, source, opened.cause().getMessage());
                } else {
                    pumps.start(t, source, file, opened.result(), (pump, end) -> pumpEnded(t, pump, end));
                }
            }));
        });
    }

    private static void closeWhenOpen(Future<PeerFetcher.SourceStream> stream) {
        if (stream != null) {
            stream.onSuccess(PeerFetcher.SourceStream::close);
        }
    }

    private void backOff(Transfer t, long millis) {
        t.nextAttemptAt(System.currentTimeMillis() + millis);
        t.state(Transfer.State.BACKOFF);
        vertx.setTimer(millis, id -> on(t, () -> attempt(t)));
    }

    // ---------------------------------------------------------------- bytes, pieces and blame (transfer context)

    /** Reports verified bytes to readers and received bytes to listeners; reacts to bad pieces. */
    private void watch(Transfer t, PartialFile file) {
        long[] lastProgress = {System.nanoTime(), file.position()};
        file.progressHandler(written -> {
            long now = System.nanoTime();
            // Only forward progress counts (a bad piece's bytes are dropped again).
            if (now - lastProgress[0] >= PROGRESS_INTERVAL_NANOS && written > lastProgress[1]) {
                t.rate((long) ((written - lastProgress[1]) / ((now - lastProgress[0]) / 1e9)));
                lastProgress[0] = now;
                lastProgress[1] = written;
                listener.progress(t);
            }
        });
        file.verifiedHandler(verified -> {
            t.verifiedUpTo(verified);
            if (file.complete() && t.state() == Transfer.State.VERIFYING) {
                finish(t);
            }
        });
        file.badPieceHandler(bad -> badPiece(t, file, bad));
    }

    private void pumpEnded(Transfer t, SourcePump pump, SourcePump.End end) {
        SourceCandidate source = pump.source();
        if (end instanceof SourcePump.SourceEnded) {
            picker.measured(source.dc(), pump.bytes(), pump.elapsedNanos());
            PartialFile file = t.file();
            if (file.position() < t.size()) {
                sourceFailed(t, source, "the source ended at byte " + file.position() + " of " + t.size());
            } else if (file.complete()) {
                finish(t);
            } else {
                // Every byte is in; the last pieces are being checked. The file's verdicts decide what follows.
                t.attemptEnded();
                t.state(Transfer.State.VERIFYING);
            }
        } else if (end instanceof SourcePump.SourceFailed f) {
            sourceFailed(t, source, f.why());
        } else if (end instanceof SourcePump.FileFailed f) {
            if (f.cause() instanceof io.imgfed.transfer.store.BlobWriter.FileTooLargeException) {
                t.taint(source.dc());
                sourceFailed(t, source, "sent more bytes than the file has");
            } else if (f.cause() instanceof StoreFullException) {
                fail(t, "this DC's disk is full: " + f.cause().getMessage(), true);
            } else {
                fail(t, "writing the file failed: " + f.cause(), false);
            }
        }
        // Stopped: the engine stopped it and already decided what comes next
    }

    /**
     * A piece failed its check: the source stops, the piece is dropped, and if one source alone sent it, that source
     * is excluded for this file. A piece made of several sources' bytes blames nobody: it is fetched again whole,
     * from one source, and that fetch tells.
     */
    private void badPiece(Transfer t, PartialFile file, PartialFile.BadPiece bad) {
        if (t.state().finished() || t.file() != file) {
            return;
        }
        pumps.stop(t);
        Set<String> sources = t.takeSourcesOf(bad.index());
        String why = "piece " + bad.index() + " (bytes " + bad.start() + "-) failed verification";
        if (sources.size() == 1 && !sources.contains(Transfer.EARLIER_PROCESS)) {
            String culprit = sources.iterator().next();
            t.taint(culprit);
            TransferLog.of(t).run(() -> LOG.error("transfer {} of {}: {}; it came from {} alone, which is not asked for "
                    + "this file again", t.id(), t.sha1(), why, culprit));
            t.error(why + " from " + culprit);
        } else {
            TransferLog.of(t).run(() -> LOG.warn("transfer {} of {}: {}; its bytes came from {}, so it is fetched again "
                    + "from one source", t.id(), t.sha1(), why, sources));
            t.error(why);
        }
        t.attemptEnded();
        file.rewind(bad.start()).onComplete(ar -> {
            if (ar.failed()) {
                fail(t, "dropping a bad piece failed: " + ar.cause(), ar.cause() instanceof StoreFullException);
            } else {
                attempt(t);
            }
        });
    }

    private void sourceFailed(Transfer t, SourceCandidate source, String why) {
        if (t.state().finished()) {
            return;
        }
        String message = "from " + source.dc() + ": " + why;
        t.error(message);
        t.attemptEnded();
        Duration rest = backoff.failed(source.dc());
        TransferLog.of(t).run(() -> LOG.warn("transfer {} of {} interrupted at byte {} ({} verified) {}; source rests {} ms",
                t.id(), t.sha1(), t.received(), t.verified(), message, rest.toMillis()));
        attempt(t);
    }

    // ---------------------------------------------------------------- ending (transfer context)

    /** Every piece is verified: fsync, record the outcome durably, then make the file a blob. */
    private void finish(Transfer t) {
        if (t.state().finished() || !finishing.add(t.id())) {
            return;
        }
        PartialFile file = t.file();
        t.state(Transfer.State.VERIFYING);
        file.finish().onComplete(ar -> {
            if (ar.failed()) {
                fail(t, "finishing the file failed: " + ar.cause(), ar.cause() instanceof StoreFullException);
                return;
            }
            TransferOutcome outcome = outcome(t, true, null);
            // Kept beside the blob so that this DC can hand the list to the next puller.
            PieceList pieces = t.request().pieces() != null ? file.pieces() : null;
            listener.recording(outcome)
                    .compose(v -> store.commitFile(file.path(), t.sha1(), t.size(), pieces))
                    .onComplete(commit -> on(t, () -> {
                        if (commit.failed()) {
                            failRecorded(t, "committing the verified file failed: " + commit.cause(), outcome);
                            return;
                        }
                        if (t.source() != null) {
                            backoff.succeeded(t.source());
                        }
                        t.completed(store.blobPath(t.sha1()));
                        TransferLog.of(t).run(() -> LOG.info("transfer {} of {} ({} bytes) completed from {} in {} attempt(s), "
                                + "{} bytes moved", t.id(), t.sha1(), t.size(), t.source(), t.attempts(), t.bytesMoved()));
                        ended(t, outcome);
                    }));
        });
    }

    private void fail(Transfer t, String why, boolean storage) {
        if (t.state().finished()) {
            return;
        }
        pumps.stop(t);
        t.error(why);
        TransferOutcome outcome = outcome(t, false, why);
        listener.recording(outcome).onComplete(ar -> on(t, () -> {
            if (ar.failed()) {
                LOG.error("transfer {}: the failure could not be recorded durably: {}", t.id(), ar.cause().toString());
            }
            finishFailed(t, why, storage, outcome);
        }));
    }

    /** Fails a transfer whose outcome is recorded already (billing appended before a commit that then failed). */
    private void failRecorded(Transfer t, String why, TransferOutcome recorded) {
        pumps.stop(t);
        finishFailed(t, why, false, recorded);
    }

    private void finishFailed(Transfer t, String why, boolean storage, TransferOutcome outcome) {
        PartialFile f = t.file();
        if (f != null) {
            f.close(true);
        } else {
            store.deletePartial(t.sha1());
        }
        t.failed(why, storage);
        TransferLog.of(t).run(() -> LOG.warn("transfer {} of {} failed: {}", t.id(), t.sha1(), why));
        ended(t, outcome);
    }

    private TransferOutcome outcome(Transfer t, boolean completed, String error) {
        return new TransferOutcome(t.id(), t.request(), dc, completed, t.bytesBySource(), t.source(), t.attempts(),
                t.createdAtMillis(), System.currentTimeMillis(), error);
    }

    private void ended(Transfer t, TransferOutcome outcome) {
        active.remove(t.sha1(), t);
        finishing.remove(t.id());
        recent.add(t);
        Transfer next = slots.release();
        try {
            listener.finished(t, outcome);
        } finally {
            if (next != null) {
                on(next, () -> start(next)); // the ended transfer's slot is now its
            }
        }
    }

    /**
     * Stops every running transfer without ending it (the daemon stops): connections close, partial files stay,
     * and each transfer's last checkpoint is written so the next start takes it up with its exact byte counts.
     */
    public Future<Void> stop() {
        List<Future<Void>> closing = new ArrayList<>();
        for (Transfer t : active.values()) {
            pumps.stop(t);
            listener.stopping(t);
            PartialFile f = t.file();
            if (f != null) {
                closing.add(f.close(false));
            }
        }
        return Future.join(closing).mapEmpty();
    }

    /** Everything the engine was asked for, for tests and /transfers. */
    public Collection<Transfer> active() {
        return List.copyOf(active.values());
    }
}
