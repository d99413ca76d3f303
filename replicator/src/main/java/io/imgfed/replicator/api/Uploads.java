package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.query.UploadParams;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.images.ImageService;
import io.imgfed.transfer.store.BlobDigest;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.BlobWriter;
import io.imgfed.transfer.store.ChargedWriter;
import io.imgfed.transfer.store.DigestKind;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AddImageFile: streams the body into a temp file while hashing it, checks size and sha1, and only then
 * commits the blob and records it on the image. Anything short of that leaves no trace in the store.
 */
public final class Uploads {

    private final ImageService images;
    private final CallerResolver callers;
    private final BlobStore store;
    private final SpaceReservations space;
    private final Billing billing;
    private final Map<String, Slot> inFlight = new ConcurrentHashMap<>();
    /** The most of a refused upload's body read (and dropped) to keep its connection usable. */
    private static final long DRAIN_LIMIT = 16L << 20;
    /**
     * What an upload computes, each on its own lane: IMGAPI's sha1 and md5, and the piece list whose root the
     * manifest signs for every DC that pulls the file (which checks pieces, so no whole-file sha256 is needed).
     */
    private static final java.util.Set<DigestKind> UPLOAD_DIGESTS = EnumSet.of(DigestKind.SHA1, DigestKind.MD5,
            DigestKind.PIECES);
    /** A chunked upload's reservation grows by this much at a time. */
    private static final long CHUNKED_RESERVE_STEP = 16L << 20;

    /** Bills an upload whose bytes crossed a DC boundary (one forwarded from another DC); before it is answered. */
    @FunctionalInterface
    public interface Billing {
        /**
         * @param file the stored file, null when the upload failed
         * @param error why the upload failed, null when it succeeded
         */
        Future<Void> crossed(RoutingContext ctx, Manifest image, ImageFile file, long bytes, long startedAtMillis,
                String error);

        Billing NONE = (ctx, image, file, bytes, started, error) -> Future.succeededFuture();
    }

    public Uploads(ImageService images, CallerResolver callers, BlobStore store, SpaceReservations space) {
        this(images, callers, store, space, Billing.NONE);
    }

    public Uploads(ImageService images, CallerResolver callers, BlobStore store, SpaceReservations space, Billing billing) {
        this.images = images;
        this.callers = callers;
        this.store = store;
        this.space = space;
        this.billing = billing;
    }

    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        // The body must wait for the temp file: setting that up is asynchronous, and bytes arriving before
        // the pipe is attached would be dropped.
        req.pause();
        try {
            start(ctx, req);
        } catch (RuntimeException e) {
            fail(ctx, e);
        }
    }

    private void start(RoutingContext ctx, HttpServerRequest req) {
        Caller caller = callers.resolve(ctx);
        String uuid = ctx.pathParam("uuid");
        Manifest image = images.get(uuid, caller);
        if (caller.account() != null && !caller.account().equals(image.owner())) {
            throw new ImgapiError(ErrorCode.NOT_IMAGE_OWNER, "account " + caller.account() + " does not own image " + uuid)
                    .toException();
        }
        images.checkFileMutable(image);
        Map<String, List<String>> params = QueryParams.of(ctx);
        UploadParams upload = UploadParams.parse(params, req.getHeader("Content-Length"));
        if (upload.contentLength() < 0 && !req.headers().contains("Transfer-Encoding", "chunked", true)) {
            throw ImgapiError.withField(ErrorCode.UPLOAD, "Content-Length",
                    "Content-Length is required (or a chunked body)").toException();
        }
        Slot slot = new Slot();
        long startedAt = System.currentTimeMillis();
        Context context = ctx.vertx().getOrCreateContext();
        slot.onAbort = () -> context.runOnContext(v -> answerShutdown(ctx, slot));
        if (inFlight.putIfAbsent(uuid, slot) != null) {
            throw new ImgapiError(ErrorCode.UPLOAD_IN_PROGRESS, "an upload for image " + uuid + " is already in progress")
                    .toException();
        }
        // The client may go away while the temp file is being set up, before the pipe below listens for that.
        ctx.response().closeHandler(v -> slot.closed = true);
        long maxSize = upload.contentLength() >= 0 ? upload.contentLength() : ImageFile.MAX_SIZE;
        space.reserve(upload.contentLength() >= 0 ? upload.contentLength() : 0)
                .compose(reservation -> {
                    slot.reservation = reservation;
                    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
                        ctx.response().writeContinue();
                    }
                    return store.newWriter(ctx.vertx().getOrCreateContext(), UPLOAD_DIGESTS, maxSize,
                            upload.contentLength());
                })
                .compose(writer -> {
                    slot.writer = writer;
                    if (slot.aborted) {
                        return writer.abort().compose(v -> Future.failedFuture(
                                ImgapiError.unavailable("the service is shutting down", 5).toException()));
                    }
                    if (slot.closed) {
                        return writer.abort().compose(v -> Future.failedFuture(ImgapiError.withField(ErrorCode.UPLOAD,
                                "body", "the upload was interrupted: the connection closed").toException()));
                    }
                    // A body of unknown length is charged against data.capacity as it arrives.
                    ChargedWriter charged = upload.contentLength() >= 0 ? null
                            : new ChargedWriter(writer, space, slot.reservation, CHUNKED_RESERVE_STEP);
                    slot.charged = charged;
                    return req.pipe().endOnFailure(false).to(charged == null ? writer : charged)
                            .compose(v -> charged != null && charged.failure() != null
                                    ? Future.<Void>failedFuture(charged.failure()) : Future.<Void>succeededFuture())
                            .compose(v -> writer.finish())
                            .compose(digest -> verify(digest, upload))
                            .compose(digest -> store.commit(writer, digest).map(digest))
                            .recover(err -> writer.abort().transform(ignored -> Future.failedFuture(unwrap(err, writer,
                                    slot.charged))));
                })
                .compose(digest -> images.addFile(uuid, new ImageFile(digest.sha1(), digest.size(), upload.compression(),
                        upload.datasetGuid(), digest.md5(), digest.sha256(),
                        digest.pieces() == null ? null : digest.pieces().summary()), caller))
                .transform(ar -> {
                    BlobWriter w = slot.writer;
                    long bytes = ar.succeeded() ? ar.result().file().size() : w == null ? 0 : w.accepted();
                    Future<Void> billed = billing.crossed(ctx, image, ar.succeeded() ? ar.result().file() : null, bytes,
                            startedAt, ar.succeeded() ? null : String.valueOf(ar.cause().getMessage()));
                    return billed.transform(b -> ar.succeeded() ? Future.succeededFuture(ar.result())
                            : Future.failedFuture(ar.cause()));
                })
                .onComplete(ar -> {
                    inFlight.remove(uuid, slot);
                    if (slot.reservation != null) {
                        slot.reservation.release();
                    }
                })
                .onSuccess(m -> JsonResponses.manifest(ctx.response(), 200, m))
                .onFailure(err -> {
                    if (slot.aborted) {
                        answerShutdown(ctx, slot);
                    } else {
                        fail(ctx, err);
                    }
                });
    }

    /**
     * Stopping: answers 503 and closes the connection, or a half-sent body would hold up the shutdown. Called
     * both when the daemon aborts the upload and when the aborted pipe fails, whichever comes first: an upload
     * whose client is between two chunks has no write in flight that would notice the abort.
     */
    private static void answerShutdown(RoutingContext ctx, Slot slot) {
        if (slot.answered || ctx.response().headWritten() || ctx.response().ended()) {
            return;
        }
        slot.answered = true;
        ctx.addEndHandler(ar -> ctx.request().connection().close());
        fail(ctx, ImgapiError.unavailable("the service is shutting down", 5).toException());
    }

    /**
     * Answers a failed upload. The client may still be sending a body nobody will read: a paused request would
     * stall it (and its connection) until the idle timeout before it sees the answer. So the rest of the body is
     * read and dropped, up to {@link #DRAIN_LIMIT}; past that the connection is closed instead.
     */
    private static void fail(RoutingContext ctx, Throwable err) {
        HttpServerRequest req = ctx.request();
        if (!req.isEnded()) {
            long[] drained = {0};
            req.handler(buf -> {
                drained[0] += buf.length();
                if (drained[0] > DRAIN_LIMIT) {
                    req.handler(null);
                    req.connection().close();
                }
            });
            req.resume();
        }
        ctx.fail(err);
    }

    private static Future<BlobDigest> verify(BlobDigest digest, UploadParams upload) {
        if (digest.size() == 0) {
            return Future.failedFuture(ImgapiError.withField(ErrorCode.UPLOAD, "Content-Length",
                    "image file must not be empty").toException());
        }
        if (upload.contentLength() >= 0 && digest.size() != upload.contentLength()) {
            return Future.failedFuture(ImgapiError.withField(ErrorCode.UPLOAD, "Content-Length",
                    "received " + digest.size() + " bytes but Content-Length was " + upload.contentLength()).toException());
        }
        if (upload.sha1() != null && !upload.sha1().equals(digest.sha1())) {
            return Future.failedFuture(ImgapiError.withField(ErrorCode.UPLOAD, "sha1",
                    "the file's sha1 is " + digest.sha1() + ", not " + upload.sha1() + " as declared").toException());
        }
        return Future.succeededFuture(digest);
    }

    /** A writer failure (disk full, too large, no room) explains a broken pipe better than the pipe's own error. */
    private static Throwable unwrap(Throwable err, BlobWriter writer, ChargedWriter charged) {
        if (charged != null && charged.failure() != null) {
            return charged.failure();
        }
        Throwable w = writer.failure();
        if (w != null && !(w.getMessage() != null && w.getMessage().equals("write aborted"))) {
            return w;
        }
        if (err instanceof io.imgfed.protocol.error.ImgapiException) {
            return err;
        }
        return ImgapiError.withField(ErrorCode.UPLOAD, "body", "the upload was interrupted: " + err.getMessage()).toException();
    }

    /** Abandons every upload in progress (at shutdown): their temp files are deleted, nothing is committed. */
    public Future<Void> abortAll() {
        List<Future<Void>> aborts = new java.util.ArrayList<>();
        for (Slot slot : inFlight.values()) {
            slot.aborted = true;
            slot.onAbort.run();
            BlobWriter w = slot.writer;
            if (w != null) {
                aborts.add(w.abort());
            }
        }
        return Future.join(aborts).mapEmpty();
    }

    public int inProgress() {
        return inFlight.size();
    }

    /** One upload in progress: set up in steps, so its parts arrive one by one. */
    private static final class Slot {
        volatile SpaceReservations.Reservation reservation;
        volatile BlobWriter writer;
        volatile ChargedWriter charged;
        volatile boolean aborted;
        volatile boolean closed;
        volatile Runnable onAbort = () -> { };
        /** The 503 of a shutdown was sent (touched on the request's context only). */
        boolean answered;
    }
}
