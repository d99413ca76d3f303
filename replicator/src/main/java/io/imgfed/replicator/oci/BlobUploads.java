package io.imgfed.replicator.oci;

import io.imgfed.protocol.oci.ContentRange;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.transfer.store.BlobDigest;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.BlobWriter;
import io.imgfed.transfer.store.ChargedWriter;
import io.imgfed.transfer.store.DigestKind;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Blob upload sessions: {@code POST} starts one (or mounts a blob the registry has, or takes a whole blob with
 * {@code ?digest=}), {@code PATCH} appends a chunk where the upload ends, {@code PUT ?digest=} appends the last
 * bytes and commits, {@code DELETE} cancels. The bytes go into a temp file of the store while sha256 (the OCI
 * digest), sha1 (the store's address) and the piece list are computed on parallel lanes; the blob is committed
 * only when its sha256 is the digest the client named. An upload that fails, is cancelled, idles past
 * {@link #IDLE_TIMEOUT} or dies with the process leaves nothing (the store deletes temp files at start).
 */
final class BlobUploads {
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** The largest blob taken; OCI layers of tens of GiB exist, an unbounded one is a disk-filling attack. */
    static final long MAX_BLOB = 64L << 30;
    private static final long RESERVE_STEP = 16L << 20;
    private static final Set<DigestKind> DIGESTS = EnumSet.of(DigestKind.SHA1, DigestKind.SHA256, DigestKind.PIECES);

    /** One upload in progress; its writer lives on {@link #context}. */
    static final class Session {
        final String id;
        final RepositoryName repo;
        final Context context;
        final BlobWriter writer;
        final ChargedWriter charged;
        final SpaceReservations.Reservation reservation;
        final long startedAtMillis = System.currentTimeMillis();
        volatile long offset;
        volatile long lastUsedMillis = System.currentTimeMillis();
        /** A request is appending: another one at the same time is refused. */
        volatile boolean busy;

        Session(String id, RepositoryName repo, Context context, BlobWriter writer, ChargedWriter charged,
                SpaceReservations.Reservation reservation) {
            this.id = id;
            this.repo = repo;
            this.context = context;
            this.writer = writer;
            this.charged = charged;
            this.reservation = reservation;
        }
    }

    private final Vertx vertx;
    private final BlobStore store;
    private final SpaceReservations space;
    private final Registry registry;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final long sweepTimer;

    BlobUploads(Vertx vertx, BlobStore store, SpaceReservations space, Registry registry) {
        this.vertx = vertx;
        this.store = store;
        this.space = space;
        this.registry = registry;
        this.sweepTimer = vertx.setPeriodic(60_000, id -> sweep());
    }

    /** Starts a session on the caller's context. */
    Future<Session> start(RepositoryName repo) {
        Context ctx = vertx.getOrCreateContext();
        return space.reserve(0).compose(reservation -> store.newWriter(ctx, DIGESTS, MAX_BLOB)
                .map(writer -> {
                    Session s = new Session(UUID.randomUUID().toString(), repo, ctx, writer,
                            new ChargedWriter(writer, space, reservation, RESERVE_STEP), reservation);
                    sessions.put(s.id, s);
                    return s;
                })
                .onFailure(err -> reservation.release()));
    }

    /** The session named in a path of this repository; BLOB_UPLOAD_UNKNOWN otherwise. */
    Session find(RepositoryName repo, String id) {
        Session s = sessions.get(id);
        if (s == null || !s.repo.equals(repo)) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, "no upload " + id + " in progress for " + repo);
        }
        return s;
    }

    /**
     * Appends the request's body. With a {@code Content-Range} it must start where the upload ends (416
     * RANGE_INVALID otherwise, so the client can ask where to resume).
     */
    Future<Session> append(Session s, HttpServerRequest req) {
        String range = req.getHeader("Content-Range");
        if (range != null) {
            ContentRange.parse(range).requireStartsAt(s.offset);
        }
        if (s.busy) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, "another request is appending to upload " + s.id);
        }
        s.busy = true;
        s.lastUsedMillis = System.currentTimeMillis();
        Context reqContext = vertx.getOrCreateContext();
        return ContextPipe.pipe(req, reqContext, s.charged, s.context)
                .transform(ar -> {
                    s.busy = false;
                    s.lastUsedMillis = System.currentTimeMillis();
                    Throwable roomFailure = s.charged.failure();
                    if (ar.failed() || roomFailure != null || s.writer.failure() != null) {
                        Throwable cause = roomFailure != null ? roomFailure
                                : s.writer.failure() != null ? s.writer.failure() : ar.cause();
                        return cancel(s).transform(x -> Future.failedFuture(cause));
                    }
                    s.offset = s.writer.accepted();
                    return Future.succeededFuture(s);
                });
    }

    /**
     * Appends the last bytes (if any), then checks the content against {@code digest} and commits it. A digest
     * the registry already holds is not stored twice: the upload is dropped and the existing blob answers.
     */
    Future<Registry.BlobRef> finish(Session s, HttpServerRequest req, OciDigest digest) {
        if (!digest.isSha256()) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "only sha256 digests are accepted for uploads, not "
                    + digest.algorithm());
        }
        return append(s, req).compose(x -> onSession(s, () -> s.writer.finish())).compose(d -> {
            String expected = digest.encoded();
            if (!expected.equals(d.sha256())) {
                return cancel(s).transform(y -> Future.failedFuture(new OciException(OciErrorCode.DIGEST_INVALID,
                        "the uploaded content's digest is sha256:" + d.sha256() + ", not " + digest)));
            }
            return commit(s, d, digest.toString());
        });
    }

    private Future<Registry.BlobRef> commit(Session s, BlobDigest d, String digest) {
        sessions.remove(s.id);
        Future<Registry.BlobRef> committed;
        // A blob the mirror fetched is committed again, as pushed: no longer a cache that eviction may take.
        if (registry.localBlob(digest).filter(b -> store.contains(b.sha1())).isPresent() && !registry.isMirrored(digest)) {
            committed = onSession(s, () -> s.writer.abort()).map(v -> registry.localBlob(digest).orElseThrow());
        } else {
            committed = registry.commitBlob(new Registry.BlobRef(digest, d.sha1(), d.size(),
                    d.pieces() == null ? null : d.pieces().summary()), () -> store.commit(s.writer, d));
        }
        return committed.onComplete(ar -> s.reservation.release());
    }

    /** Drops the session and its temp file. */
    Future<Void> cancel(Session s) {
        sessions.remove(s.id);
        return onSession(s, () -> s.writer.abort()).onComplete(ar -> s.reservation.release());
    }

    int inProgress() {
        return sessions.size();
    }

    /** Abandons every session (at shutdown): their temp files go, nothing is committed. */
    Future<Void> abortAll() {
        vertx.cancelTimer(sweepTimer);
        List<Future<Void>> all = new ArrayList<>();
        for (Session s : List.copyOf(sessions.values())) {
            all.add(cancel(s));
        }
        return Future.join(all).mapEmpty();
    }

    private void sweep() {
        long cutoff = System.currentTimeMillis() - IDLE_TIMEOUT.toMillis();
        for (Session s : List.copyOf(sessions.values())) {
            if (!s.busy && s.lastUsedMillis < cutoff) {
                cancel(s);
            }
        }
    }

    private static <T> Future<T> onSession(Session s, java.util.function.Supplier<Future<T>> work) {
        Promise<T> p = Promise.promise();
        Context caller = Vertx.currentContext();
        s.context.runOnContext(v -> work.get().onComplete(ar -> {
            if (caller == null) {
                p.handle(ar);
            } else {
                caller.runOnContext(x -> p.handle(ar));
            }
        }));
        return p.future();
    }
}
