package io.imgfed.replicator.peer;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.pieces.FilePieces;
import io.vertx.core.buffer.Buffer;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.api.LocalFiles;
import io.imgfed.transfer.pull.TransferLog;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.transfer.pull.HttpPeerFetcher;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET|HEAD /peer/v1/files/:sha1}: a file this DC holds, with Range, for another DC's pull; and
 * {@code GET /peer/v1/pieces/:sha1?size=N}: its piece list (sha256 per piece of N bytes), which the puller checks
 * against the root the home DC signed before it believes a piece. Never triggers a pull of its own: a DC without
 * the file says 404 and the puller tries elsewhere.
 */
public final class PeerFiles {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PeerFiles.class);
    private final BlobStore store;
    private final Catalog catalog;
    private final LocalFiles local;

    public PeerFiles(BlobStore store, Catalog catalog, LocalFiles local) {
        this.store = store;
        this.catalog = catalog;
        this.local = local;
    }

    public void mount(Router router) {
        router.get(HttpPeerFetcher.FILES + ":sha1").handler(this::handle);
        router.head(HttpPeerFetcher.FILES + ":sha1").handler(this::handle);
        router.get(HttpPeerFetcher.PIECES + ":sha1").handler(this::pieces);
    }

    private void pieces(RoutingContext ctx) {
        String sha1 = ctx.pathParam("sha1");
        if (sha1 == null || !ImageFile.SHA1.matcher(sha1).matches() || !store.contains(sha1)) {
            throw ImgapiError.notFound("file " + sha1 + " in this DC").toException();
        }
        String size = ctx.request().getParam("size");
        int pieceSize;
        try {
            pieceSize = Integer.parseInt(size == null ? "" : size);
            new FilePieces(pieceSize, "0".repeat(64));
        } catch (IllegalArgumentException e) {
            throw ImgapiError.invalidParameter("size", "size must be a power of two between " + FilePieces.MIN_PIECE_SIZE
                    + " and " + FilePieces.MAX_PIECE_SIZE).toException();
        }
        store.pieces(sha1, pieceSize).onSuccess(list -> ctx.response()
                        .putHeader("Content-Type", "application/octet-stream")
                        .end(Buffer.buffer(list.encode())))
                .onFailure(err -> ctx.fail(err instanceof java.nio.file.NoSuchFileException
                        ? ImgapiError.notFound("file " + sha1 + " in this DC").toException() : err));
    }

    private void handle(RoutingContext ctx) {
        String sha1 = ctx.pathParam("sha1");
        if (sha1 == null || !ImageFile.SHA1.matcher(sha1).matches()) {
            throw ImgapiError.notFound("file").toException();
        }
        BlobStore.BlobInfo info = store.info(sha1).orElseThrow(() -> ImgapiError.notFound("file " + sha1 + " in this DC")
                .toException());
        String md5 = null;
        for (String uuid : catalog.imagesWithFile(sha1)) {
            Manifest m = catalog.get(uuid).orElse(null);
            if (m != null && m.file() != null && m.file().md5() != null) {
                md5 = m.file().md5();
                break;
            }
        }
        ImageFile file = new ImageFile(sha1, info.size(), Compression.NONE, null, md5, null);
        String range = ctx.request().getHeader("Range");
        String dc = ctx.request().getHeader(PeerTls.DC_HEADER);
        TransferLog.request(ClientApi.requestId(ctx)).run(() -> LOG.info("serving file {} ({}) to DC {}", sha1,
                range == null ? "whole" : range, dc == null ? "?" : dc));
        local.send(ctx.request(), file).onFailure(ctx::fail);
    }
}
