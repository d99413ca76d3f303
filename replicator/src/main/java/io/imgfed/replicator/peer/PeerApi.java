package io.imgfed.replicator.peer;

import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.api.ImageRoutes;
import io.imgfed.replicator.api.JsonResponses;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;

/**
 * The DC-to-DC listener (SPEC §4): mutations forwarded to this DC as the images' home, and the files this
 * DC holds. Separate from the client API so it can be bound to the inter-DC network and require mutual TLS.
 */
public final class PeerApi {
    private final String dc;

    public PeerApi(String dc) {
        this.dc = dc;
    }

    /**
     * Builds the router. {@code forwarded} gets the routes under {@link HomeForwarder#PREFIX}; {@code files}
     * mounts the file routes.
     */
    public Router router(Vertx vertx, ImageRoutes forwardedImages, long maxBodyBytes, Handler<RoutingContext> forwardedUpload,
            Consumer<Router> files, boolean mutualTls) {
        Router router = ClientApi.router(vertx);
        if (mutualTls) {
            router.route().handler(PeerTls::checkCaller);
        }
        router.get("/peer/v1/ping").handler(ctx -> {
            var o = Json.object();
            o.put("ping", "pong");
            o.put("dc", dc);
            JsonResponses.send(ctx.response(), 200, o);
        });
        Router forward = ClientApi.router(vertx);
        forwardedImages.mount(forward, maxBodyBytes);
        forward.put("/images/:uuid/file").handler(forwardedUpload);
        router.route(HomeForwarder.PREFIX + "/*").subRouter(forward);
        files.accept(router);
        return router;
    }
}
