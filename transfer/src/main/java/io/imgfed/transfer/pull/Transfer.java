package io.imgfed.transfer.pull;

import io.imgfed.transfer.store.BlobWriter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One file being pulled into this DC: the single transfer every request for that file joins. Its bytes land
 * in a temp file that readers stream from at their own pace while it grows.
 *
 * <p>A temp file belongs to a generation. When a finished file fails verification it is discarded and the
 * pull starts over in a new generation; readers of the old one are cut off, so nobody ever receives bytes
 * of two different files.
 *
 * <p>State changes happen on the engine's context; readers on other threads read volatile fields and
 * register wake-ups that run on their own context.
 */
public final class Transfer {

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

    private final String id = UUID.randomUUID().toString();
    private final FileRequest request;
    private final String destDc;
    private final long createdAtMillis = System.currentTimeMillis();
    private final Promise<Void> done = Promise.promise();
    private final Map<String, Long> bytesBySource = new LinkedHashMap<>();
    private final Set<String> contributors = new LinkedHashSet<>();
    private final Set<String> tainted = new LinkedHashSet<>();
    private final List<Wakeup> wakeups = new ArrayList<>();

    private volatile State state = State.QUEUED;
    private volatile BlobWriter writer;
    private volatile int generation;
    private volatile String source;
    private volatile long bytesMoved;
    private volatile int attempts;
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

    Transfer(FileRequest request, String destDc) {
        this.request = request;
        this.destDc = destDc;
    }

    public String id() {
        return id;
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

    /** The source currently (or last) pulled from. */
    public String source() {
        return source;
    }

    /** Bytes received from other DCs so far, across every attempt and generation: what billing counts. */
    public long bytesMoved() {
        return bytesMoved;
    }

    public synchronized Map<String, Long> bytesBySource() {
        return Map.copyOf(bytesBySource);
    }

    public int attempts() {
        return attempts;
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

    public int generation() {
        return generation;
    }

    /** Requests streaming from this transfer right now. */
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

    /** Bytes of the current generation already in its file. */
    public long written() {
        if (state == State.COMPLETED) {
            return request.size();
        }
        BlobWriter w = writer;
        return w == null ? 0 : w.written();
    }

    /** The current generation's temp file, or the committed blob once completed. */
    public Path path() {
        Path p = committedPath;
        if (p != null) {
            return p;
        }
        BlobWriter w = writer;
        return w == null ? null : w.path();
    }

    /** Completes when the file is committed; fails when the transfer failed. */
    public Future<Void> done() {
        return done.future();
    }

    /**
     * Runs {@code task} on {@code context} at the next change: more bytes, a new generation, or the end.
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

    void readerStarted(boolean joinedLate) {
        synchronized (this) {
            readers++;
            if (joinedLate) {
                joined++;
            }
        }
    }

    synchronized void readerEnded() {
        readers--;
    }

    public void readerGone() {
        readerEnded();
    }

    void state(State s) {
        this.state = s;
        changed();
    }

    void startGeneration(BlobWriter w) {
        this.writer = w;
        this.generation++;
        changed();
    }

    BlobWriter writer() {
        return writer;
    }

    void attempt(String sourceDc) {
        this.attempts++;
        this.source = sourceDc;
    }

    synchronized void received(String sourceDc, long n) {
        bytesMoved += n;
        bytesBySource.merge(sourceDc, n, Long::sum);
        contributors.add(sourceDc);
    }

    /** Sources whose bytes are in the current generation; all are suspect if it fails verification. */
    synchronized Set<String> contributors() {
        return Set.copyOf(contributors);
    }

    synchronized void taintContributors() {
        tainted.addAll(contributors);
        contributors.clear();
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
