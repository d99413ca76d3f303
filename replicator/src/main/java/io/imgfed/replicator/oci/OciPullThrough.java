package io.imgfed.replicator.oci;

import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.replicator.api.ByteRange;
import io.imgfed.replicator.api.HttpFileSink;
import io.imgfed.transfer.pull.FileRequest;
import io.imgfed.transfer.pull.FirstByte;
import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferEngine;
import io.imgfed.transfer.pull.TransferReader;
import io.imgfed.transfer.pull.TransferReason;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;

/**
 * A blob another DC's tag references and this DC lacks: pulled through the transfer engine by its sha1 (one pull
 * per DC whatever the number of readers, resumed across sources, every piece checked against the root the home DC
 * signed, billed), and streamed to the reader as it is verified. The answer's head goes out only once its first
 * byte is verified; before that a failure is a 503 UNAVAILABLE, which makes containerd try its next host.
 */
final class OciPullThrough {
    private final TransferEngine engine;
    private final BlobStore store;
    private final Duration firstByteTimeout;
    private final RepositoryOwners owners;

    OciPullThrough(TransferEngine engine, BlobStore store, Duration firstByteTimeout, RepositoryOwners owners) {
        this.engine = engine;
        this.store = store;
        this.firstByteTimeout = firstByteTimeout;
        this.owners = owners;
    }

    /**
     * Serves the blob from the pull, or returns null if it is in the store after all (the caller serves it).
     * {@code headers} writes the status and headers for the range asked (and throws for a bad one).
     */
    Future<Void> serve(HttpServerRequest req, Registry.BlobRef blob, String repository, String requestId,
            java.util.function.BiFunction<HttpServerRequest, HttpServerResponse, ByteRange> headers) {
        TransferEngine.Obtained obtained = engine.obtain(new FileRequest(blob.sha1(), blob.size(), null,
                blob.digest().startsWith("sha256:") ? blob.digest().substring(7) : null, blob.pieces(), null,
                owners.of(repository), TransferReason.PROVISION, requestId, FileRequest.OCI));
        if (obtained == null) {
            return null;
        }
        Transfer t = obtained.transfer();
        Context context = req.response() == null ? null : io.vertx.core.Vertx.currentContext();
        ByteRange.Parsed asked = ByteRange.parse(req.getHeader("Range"), blob.size());
        long from = asked instanceof ByteRange.Partial p ? p.range().start() : 0;
        t.attach(obtained.joined());
        HttpServerResponse res = req.response();
        return firstByte(t, context, from).compose(v -> {
            res.putHeader("X-Imgfed-Cache", obtained.joined() ? "joined" : "miss")
                    .putHeader("X-Imgfed-Source", t.source() == null ? "" : t.source());
            ByteRange range = headers.apply(req, res);
            return TransferReader.stream(t, store, range.start(), range.endInclusive(), HttpFileSink.of(req, store), context)
                    .compose(done -> res.end())
                    .recover(err -> {
                        // the head is out: only a reset tells the client its answer is short
                        res.reset();
                        return Future.succeededFuture();
                    });
        }).onComplete(ar -> t.detach());
    }

    private Future<Void> firstByte(Transfer t, Context context, long from) {
        return FirstByte.await(t, context, from, firstByteTimeout).recover(err -> Future.failedFuture(new OciException(
                OciErrorCode.UNAVAILABLE, err instanceof FirstByte.TimedOut
                        ? "the blob is being pulled from another DC but its first bytes were not verified within "
                                + firstByteTimeout.toSeconds() + " s"
                        : "pulling the blob from another DC failed: " + t.error())));
    }
}
