package io.imgfed.replicator.oci;

import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.replicator.api.ByteRange;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * {@code GET|HEAD /v2/<name>/blobs/<digest>} for a blob this DC holds: the spec's headers, one {@code Range}
 * (206, or 416 outside the blob), and the bytes by zero-copy {@code sendfile} from a channel leased before the
 * first byte, so an eviction cannot cut a reader off.
 */
final class BlobAnswers {
    private final Registry registry;
    private final BlobStore store;
    /** Null in a DC without a transfer engine (tests of the front alone). */
    private final OciPullThrough pulls;

    BlobAnswers(Registry registry, BlobStore store, OciPullThrough pulls) {
        this.registry = registry;
        this.store = store;
        this.pulls = pulls;
    }

    /** @param repository the repository asked for, as the registry keeps it (a mirror's with its upstream's id) */
    Future<Void> serve(HttpServerRequest req, OciPath.Blob path, String repository, String requestId) {
        String digest = path.digest().toString();
        Registry.BlobRef blob = registry.blob(digest).orElseThrow(() ->
                new OciException(OciErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in this registry"));
        HttpServerResponse res = req.response();
        res.putHeader("Content-Type", "application/octet-stream")
                .putHeader("Docker-Content-Digest", digest)
                .putHeader("ETag", "\"" + digest + "\"")
                .putHeader("Accept-Ranges", "bytes");
        if (req.method() == HttpMethod.HEAD) {
            // what the blob is does not depend on where it is: no pull for a HEAD
            range(req, res, blob.size());
            return res.end();
        }
        if (!store.contains(blob.sha1())) {
            if (pulls == null) {
                throw new OciException(OciErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in this DC");
            }
            Future<Void> pulled = pulls.serve(req, blob, repository, requestId, (rq, rs) -> range(rq, rs, blob.size()));
            if (pulled != null) {
                return pulled;
            }
        }
        ByteRange range = range(req, res, blob.size());
        return store.lease(blob.sha1()).compose(lease -> {
            if (lease.size() != blob.size()) {
                lease.close();
                return Future.failedFuture(new OciException(OciErrorCode.BLOB_UNKNOWN,
                        "blob " + digest + " is damaged in this registry's store"));
            }
            return res.sendFile(lease.channel(), range.start(), range.length()).onComplete(ar -> lease.close());
        }, err -> Future.failedFuture(new OciException(OciErrorCode.BLOB_UNKNOWN,
                "blob " + digest + " is not in this registry")));
    }

    /** Sets the status and length headers for the asked range; 416 (RANGE_INVALID) outside the blob. */
    private static ByteRange range(HttpServerRequest req, HttpServerResponse res, long size) {
        ByteRange.Parsed parsed = ByteRange.parse(req.getHeader("Range"), size);
        if (parsed instanceof ByteRange.Unsatisfiable) {
            res.putHeader("Content-Range", "bytes */" + size);
            throw new OciException(OciErrorCode.RANGE_INVALID, "the range is outside the blob's " + size + " bytes");
        }
        if (parsed instanceof ByteRange.Partial p) {
            res.setStatusCode(206)
                    .putHeader("Content-Range", p.range().contentRange(size))
                    .putHeader("Content-Length", String.valueOf(p.range().length()));
            return p.range();
        }
        res.setStatusCode(200).putHeader("Content-Length", String.valueOf(size));
        return new ByteRange(0, size - 1);
    }
}
