package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.federation.liveness.DcDirectory;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.images.ImageService;
import io.imgfed.replicator.peer.PeerClient;
import io.imgfed.transfer.pull.FileRequest;
import io.imgfed.transfer.pull.TransferEngine;
import io.imgfed.transfer.pull.TransferReason;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /images/:uuid?action=replicate[&dc=NAME]} (operators): pulls an image's file into this DC, or
 * asks DC NAME to pull it into itself, ahead of provisioning. Answers 202 with the transfer, or 200 when
 * the file is already there.
 */
public final class Prefetch implements ImageRoutes.ExtraAction {
    public static final String PEER_PATH = "/peer/v1/replicate/";

    private final ImageService images;
    private final BlobStore store;
    private final TransferEngine engine;
    private final DcDirectory directory;
    private final PeerClient peers;
    private final String self;

    public Prefetch(ImageService images, BlobStore store, TransferEngine engine, DcDirectory directory, PeerClient peers,
            String self) {
        this.images = images;
        this.store = store;
        this.engine = engine;
        this.directory = directory;
        this.peers = peers;
        this.self = self;
    }

    @Override
    public void run(String uuid, RoutingContext ctx, Caller caller) {
        if (!caller.operator()) {
            throw new ImgapiError(ErrorCode.OPERATOR_ONLY, "replicate is an operator-only action").toException();
        }
        Manifest image = images.get(uuid, caller);
        ImageFile file = image.file();
        if (file == null) {
            throw ImgapiError.withField(ErrorCode.NO_ACTIVATION_NO_FILE, "uuid", "image " + uuid + " has no file to replicate")
                    .toException();
        }
        String dc = ctx.queryParams().get("dc");
        if (dc != null && !dc.equals(self)) {
            forward(ctx, caller, uuid, dc);
            return;
        }
        JsonResponses.send(ctx.response(), store.contains(file.sha1()) ? 200 : 202, startHere(image, ClientApi.requestId(ctx)));
    }

    /** Starts (or joins) the pull of an image's file into this DC; describes where it stands. */
    public ObjectNode startHere(Manifest image, String requestId) {
        ImageFile file = image.file();
        ObjectNode o = Json.object();
        o.put("uuid", image.uuid());
        o.put("dc", self);
        if (store.contains(file.sha1())) {
            o.put("state", "present");
            return o;
        }
        TransferEngine.Obtained got = engine.obtain(FileRequest.of(file, image.uuid(), image.owner(),
                TransferReason.PREFETCH, requestId));
        if (got == null) {
            o.put("state", "present");
            return o;
        }
        o.put("state", "pulling");
        o.set("transfer", TransferRoutes.describe(got.transfer()));
        return o;
    }

    private void forward(RoutingContext ctx, Caller caller, String uuid, String dc) {
        String peer = directory.peerAddress(dc);
        if (peer == null) {
            // A name no DC of the federation ever announced is the caller's mistake, not an outage.
            throw ImgapiError.invalidParameter("dc", "no DC named " + printable(dc) + " in the federation").toException();
        }
        if (directory.status(dc) == DcStatus.GONE) {
            throw ImgapiError.withField(ErrorCode.SERVICE_UNAVAILABLE, "dc", "DC " + printable(dc) + " is unreachable")
                    .toException();
        }
        RequestOptions opts = PeerClient.forwardedPost(peer, PEER_PATH + uuid, caller, self, ClientApi.requestId(ctx));
        peers.http().request(opts)
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(body -> {
                    ctx.response().setStatusCode(resp.statusCode()).putHeader("Content-Type", "application/json").end(body);
                    return null;
                }))
                .onFailure(err -> ErrorResponses.send(ctx.response(), ImgapiError.withField(ErrorCode.SERVICE_UNAVAILABLE,
                        "dc", "DC " + dc + " did not answer: " + err.getMessage()).toException(), ClientApi.requestId(ctx)));
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^A-Za-z0-9._-]", "?");
    }
}
