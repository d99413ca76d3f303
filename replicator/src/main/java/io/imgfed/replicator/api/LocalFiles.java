package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Sends a file this DC holds: IMGAPI's headers, a single Range, HEAD and If-None-Match, the bytes by
 * zero-copy sendfile from a channel opened before the first byte (so an eviction cannot cut a reader off).
 */
public final class LocalFiles {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalFiles.class);

    private final BlobStore store;

    public LocalFiles(BlobStore store) {
        this.store = store;
    }

    public boolean has(ImageFile file) {
        return store.contains(file.sha1());
    }

    /** Writes the status line and headers for a file answer; returns the range to send, or null if nothing follows. */
    public static ByteRange prepare(HttpServerRequest req, HttpServerResponse res, ImageFile file) {
        String etag = "\"" + file.sha1() + "\"";
        res.putHeader("Content-Type", "application/octet-stream")
                .putHeader("ETag", etag)
                .putHeader("Accept-Ranges", "bytes");
        String inm = req.getHeader("If-None-Match");
        if (inm != null && (inm.contains(etag) || inm.contains(file.sha1()) || inm.trim().equals("*"))) {
            res.setStatusCode(304);
            return null;
        }
        ByteRange.Parsed parsed = ByteRange.parse(req.getHeader("Range"), file.size());
        if (parsed instanceof ByteRange.Unsatisfiable) {
            res.putHeader("Content-Range", "bytes */" + file.size());
            throw new ImgapiError(ErrorCode.RANGE_NOT_SATISFIABLE, "range is outside the file's " + file.size() + " bytes")
                    .toException();
        }
        if (parsed instanceof ByteRange.Partial p) {
            res.setStatusCode(206)
                    .putHeader("Content-Range", p.range().contentRange(file.size()))
                    .putHeader("Content-Length", String.valueOf(p.range().length()));
            return p.range();
        }
        res.setStatusCode(200).putHeader("Content-Length", String.valueOf(file.size()));
        if (file.md5() != null) {
            res.putHeader("Content-MD5", file.md5());
        }
        return new ByteRange(0, file.size() - 1);
    }

    /**
     * Serves the whole answer for a file present here. The file is leased before anything is written, so it cannot
     * be evicted under the answer; fails with NoSuchFileException, with nothing written, if it is gone already.
     */
    public Future<Void> send(HttpServerRequest req, ImageFile file) {
        HttpServerResponse res = req.response();
        if (req.method() == HttpMethod.HEAD) {
            prepare(req, res, file);
            return res.end();
        }
        return store.lease(file.sha1()).compose(lease -> {
            if (lease.size() != file.size()) {
                // Damaged on disk (a power cut before an fsync, a disk error): never served; dropped, pulled again.
                lease.close();
                LOG.error("the stored file {} has {} bytes, not {}: dropped from the store", file.sha1(), lease.size(),
                        file.size());
                return store.delete(file.sha1()).compose(v -> Future.failedFuture(
                        new java.nio.file.NoSuchFileException(file.sha1())));
            }
            ByteRange range;
            try {
                range = prepare(req, res, file);
            } catch (RuntimeException e) {
                lease.close();
                return Future.failedFuture(e);
            }
            if (range == null) {
                lease.close();
                return res.end();
            }
            return res.sendFile(lease.channel(), range.start(), range.length()).onComplete(ar -> lease.close());
        });
    }
}
