package io.imgfed.transfer.pull;

import io.imgfed.transfer.store.PartialFile;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One file being pulled into this DC: the single transfer every request for that file joins. Its bytes land in
 * a partial file that is checked piece by piece; readers stream the verified part at their own pace while it
 * grows, so nobody ever receives a byte that has not been checked against what the home DC signed.
 *
 * <p>State changes happen on the engine's context; readers on other threads read volatile fields and register
 * wake-ups that run on their own context.
 */
public final class Transfer {

    /** A contributor to a piece whose source is not known: bytes an earlier process received. */
    static final String EARLIER_PROCESS = "(before restart)";

    public enum State {
        QUEUED("queued"), RUNNING("running"), BACKOFF("backoff"), VERIFYING("verifying"), COMPLETED("completed"),
        FAILED("failed");

        private final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public boolean finished() {
            return this == COMPLETED || this == FAILED;
        }
    }

    private final String id;
    private final Context context;
    private final FileRequest request;
    private final String destDc;
    private final long createdAtMillis;
    private final boolean resumed;
    private final Promise<Void> done = Promise.promise();
    private final Map<String, Long> bytesBySource = new LinkedHashMap<>();
    private final Set<String> tainted = new LinkedHashSet<>();
    /** Sources that sent bytes of each piece not yet verified; a bad piece from one source blames that source. */
    private final Map<Integer, Set<String>> pieceSources = new HashMap<>();
    private final List<Wakeup> wakeups = new ArrayList<>();

    private volatile State state = State.QUEUED;
    private volatile PartialFile file;
    private volatile String source;
    private volatile long bytesMoved;
    private volatile int attempts;
    /** Attempts in a row that brought no byte past the furthest one reached before. */
    private volatile int fruitless;
    private volatile long furthest;
    private volatile String error;
    private volatile boolean storageFailure;
    private volatile long finishedAtMillis;
    private volatile Path committedPath;
    private volatile int readers;
    private volatile int joined;
    private volatile long rateBytesPerSecond;
    private volatile long nextAttemptAtMillis;

    private record Wakeup(Context context, Runnable task) {
    }

    Transfer(FileRequest request, String destDc, Context context) {
        this(UUID.randomUUID().toString(), request, destDc, System.currentTimeMillis(), Map.of(), 0, false, context);
    }

    /** A transfer taken up again from the checkpoint an earlier process left. */
    Transfer(TransferCheckpoint c, String destDc, Context context) {
        this(c.transferId(), c.request(), destDc, c.createdAtMillis(), c.bytesBySource(), c.attempts(), true, context);
        this.source = c.lastSource();
    }

    private Transfer(String id, FileRequest request, String destDc, long createdAtMillis, Map<String, Long> bytes,
            int attempts, boolean resumed, Context context) {
        this.id = id;
        this.context = context;
        this.request = request;
        this.destDc = destDc;
        this.createdAtMillis = createdAtMillis;
        this.resumed = resumed;
        this.bytesBySource.putAll(bytes);
        this.bytesMoved = bytes.values().stream().mapToLong(Long::longValue).sum();
        this.attempts = attempts;
    }

    public String id() {
        return id;
    }

    /** The event loop this transfer's work runs on: its source connections, its file's results, its decisions. */
    Context context() {
        return context;
    }

    public FileRequest request() {
        return request;
    }

    public String sha1() {
        return request.sha1();
    }

    public long size() {
        return request.size();
    }

    public String destDc() {
        return destDc;
    }

    public State state() {
        return state;
    }

    /** Whether this transfer was taken up again after a restart of this daemon. */
    public boolean resumed() {
        return resumed;
    }

    /** The source currently (or last) pulled from. */
    public String source() {
        return source;
    }

    /** Bytes received from other DCs so far, across every attempt (and earlier processes): what billing counts. */
    public long bytesMoved() {
        return bytesMoved;
    }

    public synchronized Map<String, Long> bytesBySource() {
        return Map.copyOf(bytesBySource);
    }

    public int attempts() {
        return attempts;
    }

    /** Attempts in a row that made no progress; the attempt cap counts these. */
    public int fruitlessAttempts() {
        return fruitless;
    }

    public String error() {
        return error;
    }

    /** Whether the transfer failed for lack of room in this DC (as opposed to sources failing). */
    public boolean failedForStorage() {
        return storageFailure;
    }

    public long createdAtMillis() {
        return createdAtMillis;
    }

    public long finishedAtMillis() {
        return finishedAtMillis;
    }

    /** Requests waiting for or streaming this transfer's bytes right now. */
    public int readers() {
        return readers;
    }

    /** Requests that joined this transfer after it started (beyond the first). */
    public int joined() {
        return joined;
    }

    public long rateBytesPerSecond() {
        return rateBytesPerSecond;
    }

    /** When the next attempt starts while backing off (epoch millis), else 0. */
    public long nextAttemptAtMillis() {
        return nextAttemptAtMillis;
    }

    /** Bytes from the start of the file that are verified and on disk: what readers may be sent. */
    public long verified() {
        if (state == State.COMPLETED) {
            return request.size();
        }
        PartialFile f = file;
        return f == null ? 0 : f.verified();
    }

    /** Bytes in the partial file, verified or not (for progress). */
    public long received() {
        if (state == State.COMPLETED) {
            return request.size();
        }
        PartialFile f = file;
        return f == null ? 0 : f.position();
    }

    /** The partial file, or the committed blob once completed; null before the first attempt opened it. */
    public Path path() {
        Path p = committedPath;
        if (p != null) {
            return p;
        }
        PartialFile f = file;
        return f == null ? null : f.path();
    }

    /** Completes when the file is committed; fails when the transfer failed. */
    public Future<Void> done() {
        return done.future();
    }

    /**
     * Runs {@code task} on {@code context} at the next change: more verified bytes, a state change, or the end.
     * Runs it at once if the transfer already ended.
     */
    public void wakeOnChange(Context context, Runnable task) {
        synchronized (this) {
            if (!state.finished()) {
                wakeups.add(new Wakeup(context, task));
                return;
            }
        }
        context.runOnContext(v -> task.run());
    }

    void changed() {
        List<Wakeup> ws;
        synchronized (this) {
            if (wakeups.isEmpty()) {
                return;
            }
            ws = new ArrayList<>(wakeups);
            wakeups.clear();
        }
        for (Wakeup w : ws) {
            w.context().runOnContext(v -> w.task().run());
        }
    }

    /** A request waits for or streams this transfer's bytes ({@code joinedLate}: it joined a running one). */
    public void attach(boolean joinedLate) {
        synchronized (this) {
            readers++;
            if (joinedLate) {
                joined++;
            }
        }
    }

    /** A request attached with {@link #attach} is done with this transfer. */
    public synchronized void detach() {
        readers--;
    }

    void state(State s) {
        this.state = s;
        changed();
    }

    PartialFile file() {
        return file;
    }

    void file(PartialFile f) {
        if (resumed && file == null && f.position() > bytesMoved && source != null) {
            // Checkpoints lag the disk by up to a second: bytes an earlier process wrote crossed all the same.
            received(source, 0, f.position() - bytesMoved);
        }
        this.file = f;
        this.furthest = Math.max(furthest, f.position());
        if (f.position() > f.verified()) {
            // Bytes of an unfinished piece came from an earlier process: nobody can be blamed for them.
            synchronized (this) {
                pieceSources.computeIfAbsent(f.pieces().pieceAt(f.verified()), k -> new LinkedHashSet<>()).add(EARLIER_PROCESS);
            }
        }
        changed();
    }

    void attempt(String sourceDc) {
        this.attempts++;
        this.source = sourceDc;
    }

    /** An attempt ended: it made progress if it brought bytes past the furthest reached before. */
    void attemptEnded() {
        PartialFile f = file;
        long at = f == null ? 0 : f.position();
        if (at > furthest) {
            furthest = at;
            fruitless = 0;
        } else {
            fruitless++;
        }
    }

    /** Records {@code n} bytes from {@code sourceDc} that landed at {@code offset} of the file. */
    synchronized void received(String sourceDc, long offset, long n) {
        bytesMoved += n;
        bytesBySource.merge(sourceDc, n, Long::sum);
        PartialFile f = file;
        if (f != null && n > 0) {
            int first = f.pieces().pieceAt(offset);
            int last = f.pieces().pieceAt(Math.min(offset + n - 1, request.size() - 1));
            for (int i = first; i <= last; i++) {
                pieceSources.computeIfAbsent(i, k -> new LinkedHashSet<>()).add(sourceDc);
            }
        }
    }

    /** Pieces up to {@code verifiedBytes} are verified: their sources no longer matter. */
    synchronized void verifiedUpTo(long verifiedBytes) {
        PartialFile f = file;
        if (f != null) {
            int firstUnverified = f.pieces().pieceAt(Math.min(verifiedBytes, request.size() - 1));
            pieceSources.keySet().removeIf(i -> i < firstUnverified || verifiedBytes >= request.size());
        }
        changed();
    }

    /** Who sent a bad piece; forgets them for it (the piece is fetched again). */
    synchronized Set<String> takeSourcesOf(int piece) {
        Set<String> s = pieceSources.remove(piece);
        pieceSources.keySet().removeIf(i -> i > piece);
        return s == null ? Set.of() : Set.copyOf(s);
    }

    synchronized void taint(String dc) {
        tainted.add(dc);
    }

    synchronized Set<String> tainted() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(tainted));
    }

    void error(String message) {
        this.error = message;
    }

    void rate(long bytesPerSecond) {
        this.rateBytesPerSecond = bytesPerSecond;
    }

    void nextAttemptAt(long millis) {
        this.nextAttemptAtMillis = millis;
    }

    void completed(Path blobPath) {
        this.committedPath = blobPath;
        this.finishedAtMillis = System.currentTimeMillis();
        this.nextAttemptAtMillis = 0;
        state(State.COMPLETED);
        done.tryComplete();
    }

    void failed(String message, boolean storage) {
        this.error = message;
        this.storageFailure = storage;
        this.finishedAtMillis = System.currentTimeMillis();
        this.nextAttemptAtMillis = 0;
        state(State.FAILED);
        done.tryFail(new TransferFailedException(message));
    }

    /** The pull of a file was given up; {@link #getMessage()} says why. */
    public static final class TransferFailedException extends RuntimeException {
        public TransferFailedException(String message) {
            super(message, null, false, false);
        }
    }
}
