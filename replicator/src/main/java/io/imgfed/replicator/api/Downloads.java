package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.images.ImageService;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/** GetImageFile: from this DC's store when the file is here, otherwise through the pull path. */
public final class Downloads {

    /** Serves a file this DC does not hold (a lazy pull from another DC). */
    @FunctionalInterface
    public interface RemoteFiles {
        Future<Void> serve(RoutingContext ctx, Manifest image, ImageFile file);
    }

    /** Counts answers by how they were served, for {@code imgfed_file_requests_total{cache}}. */
    @FunctionalInterface
    public interface CacheOutcome {
        void record(String outcome);
    }

    private final ImageService images;
    private final CallerResolver callers;
    private final LocalFiles local;
    private final String dc;
    private final RemoteFiles remote;
    private final CacheOutcome outcomes;

    public Downloads(ImageService images, CallerResolver callers, LocalFiles local, String dc, RemoteFiles remote,
            CacheOutcome outcomes) {
        this.images = images;
        this.callers = callers;
        this.local = local;
        this.dc = dc;
        this.remote = remote;
        this.outcomes = outcomes;
    }

    public void handle(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        Manifest image = images.get(ctx.pathParam("uuid"), caller);
        ImageFile file = image.file();
        if (file == null) {
            throw ImgapiError.notFound("file of image " + image.uuid()).toException();
        }
        Future<Void> sent;
        if (local.has(file)) {
            outcomes.record("hit");
            ctx.response().putHeader("X-Imgfed-Cache", "hit").putHeader("X-Imgfed-Source", dc);
            sent = local.send(ctx.request(), file).transform(ar -> {
                if (ar.failed() && ar.cause() instanceof java.nio.file.NoSuchFileException && remote != null
                        && !ctx.response().headWritten()) {
                    // Evicted between the check and the lease: the file is pulled again rather than failing the answer.
                    return remote.serve(ctx, image, file);
                }
                return ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause());
            });
        } else if (remote != null) {
            sent = remote.serve(ctx, image, file);
        } else {
            throw new ImgapiError(ErrorCode.STORAGE_IS_DOWN, "the file of image " + image.uuid() + " is missing from this DC's store")
                    .toException();
        }
        sent.onFailure(ctx::fail);
    }
}
