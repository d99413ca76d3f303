package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.transfer.pull.FileRequest;
import io.imgfed.transfer.pull.FirstByte;
import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferEngine;
import io.imgfed.transfer.pull.TransferReader;
import io.imgfed.transfer.pull.TransferReason;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;

/**
 * GetImageFile for a file this DC does not hold: joins (or starts) the single transfer of that file and
 * streams it to the requester while it is being stored. The answer's headers come from the manifest
 * (Content-Length, Content-MD5) and go out once the first byte is here; if none arrives within the stall
 * timeout the requester gets 503 with Retry-After while the pull goes on.
 */
public final class PullThrough implements Downloads.RemoteFiles {

    private final TransferEngine engine;
    private final BlobStore store;
    private final LocalFiles local;
    private final Duration firstByteTimeout;
    private final Downloads.CacheOutcome outcomes;

    public PullThrough(TransferEngine engine, BlobStore store, LocalFiles local, Duration firstByteTimeout,
            Downloads.CacheOutcome outcomes) {
        this.engine = engine;
        this.store = store;
        this.local = local;
        this.firstByteTimeout = firstByteTimeout;
        this.outcomes = outcomes;
    }

    @Override
    public Future<Void> serve(RoutingContext ctx, Manifest image, ImageFile file) {
        HttpServerResponse res = ctx.response();
        if (ctx.request().method() == HttpMethod.HEAD) {
            // What the file is does not depend on where it is: no pull for a HEAD.
            LocalFiles.prepare(ctx.request(), res, file);
            res.putHeader("X-Imgfed-Cache", "miss");
            return res.end();
        }
        TransferEngine.Obtained obtained = engine.obtain(FileRequest.of(file, image.uuid(), image.owner(),
                TransferReason.PROVISION, ClientApi.requestId(ctx)));
        return obtained == null ? hit(ctx, image, file) : stream(ctx, file, obtained);
    }

    private Future<Void> pull(RoutingContext ctx, Manifest image, ImageFile file) {
        TransferEngine.Obtained obtained = engine.obtain(FileRequest.of(file, image.uuid(), image.owner(),
                TransferReason.PROVISION, ClientApi.requestId(ctx)));
        if (obtained == null) {
            return Future.failedFuture(ImgapiError.unavailable("the file was evicted while it was being sent; try again", 1)
                    .toException());
        }
        return stream(ctx, file, obtained);
    }

    /** The file arrived a moment ago; if it is evicted again before it is leased, it is pulled again (once). */
    private Future<Void> hit(RoutingContext ctx, Manifest image, ImageFile file) {
        HttpServerResponse res = ctx.response();
        outcomes.record("hit");
        res.putHeader("X-Imgfed-Cache", "hit");
        return local.send(ctx.request(), file).recover(err -> err instanceof java.nio.file.NoSuchFileException
                && !res.headWritten() ? pull(ctx, image, file) : Future.failedFuture(err));
    }

    private Future<Void> stream(RoutingContext ctx, ImageFile file, TransferEngine.Obtained obtained) {
        HttpServerResponse res = ctx.response();
        Transfer t = obtained.transfer();
        String cache = obtained.joined() ? "joined" : "miss";
        Context context = ctx.vertx().getOrCreateContext();
        ByteRange.Parsed asked = ByteRange.parse(ctx.request().getHeader("Range"), file.size());
        long from = asked instanceof ByteRange.Partial p ? p.range().start() : 0;
        t.attach(obtained.joined());
        return firstByte(t, context, from).compose(v -> {
            outcomes.record(cache);
            res.putHeader("X-Imgfed-Cache", cache).putHeader("X-Imgfed-Source", t.source() == null ? "" : t.source());
            ByteRange range = LocalFiles.prepare(ctx.request(), res, file);
            if (range == null) {
                return res.end();
            }
            // Once the head is out, a failure can only be signalled by resetting the connection.
            return TransferReader.stream(t, store, range.start(), range.endInclusive(),
                    HttpFileSink.of(ctx.request(), store), context)
                    .compose(done -> res.end())
                    .recover(err -> {
                        res.reset();
                        return Future.succeededFuture();
                    });
        }).onComplete(ar -> t.detach());
    }

    /**
     * Completes when the byte at {@code from} (the answer's first) is verified, or the transfer is done; fails with
     * 503 and Retry-After if the transfer fails first or that byte is not verified within the first-byte timeout. So
     * the answer's head goes out only once its first byte can follow, and never for bytes that fail their check.
     */
    private Future<Void> firstByte(Transfer t, Context context, long from) {
        return FirstByte.await(t, context, from, firstByteTimeout).recover(err -> {
            if (err instanceof FirstByte.TimedOut) {
                long wait = Math.max(1, engine.retryAfter(t).toSeconds());
                return Future.failedFuture(ImgapiError.unavailable("the file is being pulled from another DC but the "
                        + "bytes asked for were not verified within " + firstByteTimeout.toSeconds() + " s (" + describe(t)
                        + ")", (int) Math.min(wait, 600)).toException());
            }
            return Future.failedFuture(t.failedForStorage()
                    ? new ImgapiError(ErrorCode.INSUFFICIENT_STORAGE, "this DC has no room for the file: " + t.error(),
                            List.of(), 60).toException()
                    : ImgapiError.unavailable("pulling the file from another DC failed: " + t.error(), 30).toException());
        });
    }

    private static String describe(Transfer t) {
        return "state " + t.state().wireName() + (t.error() == null ? "" : ", last error: " + t.error());
    }
}
