package io.imgfed.replicator.oci;

import io.imgfed.federation.liveness.DcDirectory;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.ImageReference;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.auth.ForwardedCallers;
import io.imgfed.replicator.peer.PeerClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code POST /oci/prefetch?image=<repo>:<tag>|<repo>@<digest>[&platform=os/arch]...[&pin=true|false][&dc=NAME]}
 * (operators): brings an OCI image into this DC, or asks DC NAME (over the peer listener, as the IMGAPI's
 * replicate does) to bring it into itself; {@code pin=true} also pins its blobs against eviction,
 * {@code pin=false} only unpins them. 202 while blobs are being pulled, 200 when all are there; errors in the OCI format.
 */
public final class OciPrefetchRoutes {
    public static final String PEER_PATH = "/peer/v1/oci/prefetch";

    private final CallerResolver callers;
    private final OciPrefetch prefetch;
    private final DcDirectory directory;
    private final PeerClient peers;
    private final String self;

    public OciPrefetchRoutes(CallerResolver callers, OciRoutes oci, DcDirectory directory, PeerClient peers, String self) {
        this.callers = callers;
        this.prefetch = oci.prefetch();
        this.directory = directory;
        this.peers = peers;
        this.self = self;
    }

    public void mount(Router router) {
        router.post("/oci/prefetch").handler(ctx -> handle(ctx, callers, true));
    }

    /** The peer listener's side: another DC asks this one to prefetch, for a caller it vouches for. */
    public void handlePeer(RoutingContext ctx) {
        handle(ctx, new ForwardedCallers(), false);
    }

    private void handle(RoutingContext ctx, CallerResolver resolver, boolean mayForward) {
        String requestId = ClientApi.requestId(ctx);
        Future<Void> answered;
        try {
            Caller caller = resolver.resolve(ctx);
            if (!caller.operator()) {
                throw new OciException(OciErrorCode.DENIED, "prefetch is for operators");
            }
            String image = ctx.request().getParam("image");
            if (image == null) {
                throw new OciException(OciErrorCode.NAME_INVALID, "give the image: ?image=<repository>:<tag>");
            }
            ImageReference ref = ImageReference.parse(image);
            Set<String> platforms = new LinkedHashSet<>(ctx.queryParam("platform"));
            String dc = ctx.request().getParam("dc");
            if (mayForward && dc != null && !dc.equals(self)) {
                answered = forward(ctx, caller, dc);
            } else {
                String pin = ctx.request().getParam("pin");
                if (pin != null && !pin.equals("true") && !pin.equals("false")) {
                    throw new OciException(OciErrorCode.UNSUPPORTED, "pin is true or false, not " + pin.replaceAll(
                            "[^A-Za-z0-9._-]", "?"));
                }
                answered = prefetch.start(ref, platforms, requestId, pin == null ? null : Boolean.valueOf(pin)).compose(o -> {
                    Buffer body = Buffer.buffer(Json.bytes(o));
                    return ctx.response().setStatusCode("present".equals(o.path("state").asText()) ? 200 : 202)
                            .putHeader("Content-Type", "application/json")
                            .putHeader("Content-Length", String.valueOf(body.length())).end(body);
                });
            }
        } catch (RuntimeException e) {
            answered = Future.failedFuture(e);
        }
        answered.onFailure(err -> OciErrorResponses.send(ctx.response(), err, requestId));
    }

    private Future<Void> forward(RoutingContext ctx, Caller caller, String dc) {
        String peer = directory.peerAddress(dc);
        if (peer == null) {
            throw new OciException(OciErrorCode.NAME_UNKNOWN, "no DC named " + dc.replaceAll("[^A-Za-z0-9._-]", "?")
                    + " in the federation");
        }
        if (directory.status(dc) == DcStatus.GONE) {
            throw new OciException(OciErrorCode.UNAVAILABLE, "DC " + dc + " is unreachable");
        }
        String query = ctx.request().query() == null ? "" : "?" + ctx.request().query();
        RequestOptions opts = PeerClient.forwardedPost(peer, PEER_PATH + query, caller, self, ClientApi.requestId(ctx));
        return peers.http().request(opts)
                .compose(req -> req.send())
                .compose(resp -> resp.body().compose(body -> ctx.response().setStatusCode(resp.statusCode())
                        .putHeader("Content-Type", "application/json").end(body)))
                .recover(err -> Future.failedFuture(err instanceof OciException ? err
                        : new OciException(OciErrorCode.UNAVAILABLE, "DC " + dc + " did not answer: " + err.getMessage())));
    }
}
