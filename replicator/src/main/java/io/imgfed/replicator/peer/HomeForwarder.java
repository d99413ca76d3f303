package io.imgfed.replicator.peer;

import io.imgfed.federation.liveness.DcDirectory;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.federation.PeerAddress;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.api.ErrorResponses;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.auth.ForwardedCallers;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.replicator.federated.CatalogWatch;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends mutations of images homed in another DC to that DC's peer listener and relays its answer: an image
 * is changed only where it lives. The answer is returned once this DC's own view shows the change (or after
 * a short wait), so a client that changes an image and reads it back here sees its change.
 */
public final class HomeForwarder {
    private static final Logger LOG = LoggerFactory.getLogger(HomeForwarder.class);
    public static final String PREFIX = "/peer/v1/forward";
    private static final long READ_YOUR_WRITES_WAIT_MS = 3000;
    /** IMGAPI's actions that change an image; others (import, replicate) are answered where they are sent. */
    private static final java.util.Set<String> MUTATING_ACTIONS = java.util.Set.of("activate", "update", "disable", "enable");
    private static final List<String> FORWARDED_HEADERS = List.of(
            "Content-Type", "Content-Length", "Content-MD5", "Transfer-Encoding", "Accept-Version", "Expect");

    private final Catalog catalog;
    private final CallerResolver callers;
    private final DcDirectory directory;
    private final PeerClient peers;
    private final CatalogWatch watch;
    private final String self;

    public HomeForwarder(Catalog catalog, CallerResolver callers, DcDirectory directory, PeerClient peers,
            CatalogWatch watch, String self) {
        this.catalog = catalog;
        this.callers = callers;
        this.directory = directory;
        this.peers = peers;
        this.watch = watch;
        this.self = self;
    }

    /** Intercepts the mutation routes; mount before the local handlers, which run when nothing is forwarded. */
    public void mount(Router router) {
        router.post("/images/:uuid").handler(this::handle);
        router.post("/images/:uuid/acl").handler(this::handle);
        router.delete("/images/:uuid").handler(this::handle);
        router.put("/images/:uuid/file").handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String uuid = ctx.pathParam("uuid");
        Manifest image = uuid == null ? null : catalog.get(uuid).orElse(null);
        boolean imageAction = req.method() == HttpMethod.POST && ctx.normalizedPath().equals("/images/" + uuid);
        if (image == null || image.homeDc().equals(self)
                || (imageAction && !MUTATING_ACTIONS.contains(String.valueOf(req.getParam("action"))))) {
            ctx.next();
            return;
        }
        Caller caller = callers.resolve(ctx);
        if (!image.visibleTo(caller.account())) {
            ctx.next();
            return;
        }
        String home = image.homeDc();
        String peer = directory.peerAddress(home);
        if (peer == null || directory.status(home) == DcStatus.GONE) {
            throw unavailable(home, uuid, "is unreachable");
        }
        req.pause();
        PeerAddress hp = PeerAddress.parse(peer);
        RequestOptions opts = new RequestOptions()
                .setMethod(req.method())
                .setHost(hp.host())
                .setPort(hp.port())
                .setURI(PREFIX + req.uri())
                .setIdleTimeout(60_000);
        MultiMap headers = opts.getHeaders() == null ? MultiMap.caseInsensitiveMultiMap() : opts.getHeaders();
        for (String h : FORWARDED_HEADERS) {
            String v = req.getHeader(h);
            if (v != null) {
                headers.set(h, v);
            }
        }
        headers.set(ForwardedCallers.HEADER, ForwardedCallers.encode(caller));
        headers.set("X-Imgfed-Forwarded-By", self);
        headers.set(PeerTls.DC_HEADER, self);
        headers.set("X-Request-Id", ClientApi.requestId(ctx));
        opts.setHeaders(headers);
        peers.http().request(opts)
                .compose(preq -> preq.send(req))
                .compose(resp -> resp.body().map(body -> new Relayed(resp, body)))
                .compose(r -> awaitLocal(uuid, req.method(), r).map(r))
                .onSuccess(r -> {
                    var out = ctx.response().setStatusCode(r.response.statusCode());
                    for (String h : Arrays.asList("Content-Type", "Retry-After")) {
                        String v = r.response.getHeader(h);
                        if (v != null) {
                            out.putHeader(h, v);
                        }
                    }
                    out.putHeader("X-Imgfed-Home", home).end(r.body);
                })
                .onFailure(err -> {
                    LOG.warn("forwarding {} {} to home DC {} failed: {}", req.method(), uuid, home, err.toString());
                    ClientApi.drainUnreadBody(req);
                    ErrorResponses.send(ctx.response(), unavailable(home, uuid, "did not answer"), ClientApi.requestId(ctx));
                });
    }

    private record Relayed(HttpClientResponse response, Buffer body) {
    }

    /** After a successful change at home, waits briefly until the change reached this DC by gossip. */
    private Future<Boolean> awaitLocal(String uuid, HttpMethod method, Relayed r) {
        int status = r.response.statusCode();
        if (status < 200 || status >= 300) {
            return Future.succeededFuture(true);
        }
        Predicate<Manifest> done;
        if (method == HttpMethod.DELETE) {
            done = m -> m == null;
        } else {
            byte[] expected;
            try {
                expected = Json.bytes(Json.tree(r.body.getBytes()));
            } catch (IllegalArgumentException e) {
                return Future.succeededFuture(true);
            }
            done = m -> m != null && Arrays.equals(Json.bytes(m.toJson()), expected);
        }
        return watch.until(uuid, done, READ_YOUR_WRITES_WAIT_MS);
    }

    private static RuntimeException unavailable(String home, String uuid, String why) {
        return new ImgapiError(ErrorCode.SERVICE_UNAVAILABLE,
                "image " + uuid + " is homed in DC " + home + ", which " + why + "; changes are made in its home DC",
                List.of(io.imgfed.protocol.error.FieldError.invalid("home_dc", home)), 10).toException();
    }

}
