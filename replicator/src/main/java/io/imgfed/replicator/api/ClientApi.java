package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles a listener's router: request ids, the routes, and IMGAPI-shaped answers for every failure. */
public final class ClientApi {
    private static final Logger ACCESS = LoggerFactory.getLogger("imgfed.access");
    /** What a client's own X-Request-Id may contain to be kept (it ends up in log lines and other DCs' logs). */
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]+");
    public static final String REQUEST_ID = "requestId";
    private static final java.util.Set<String> POLLED = java.util.Set.of(
            "/metrics", "/healthz", "/readyz", "/ping", "/status.json", "/federation/dcs", "/transfers", "/peer/v1/ping");

    private ClientApi() {
    }

    /** A router with request ids and error handling installed; the caller mounts the routes. */
    public static Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        router.route().handler(ClientApi::assignRequestId);
        router.route().handler(ClientApi::refuseDotSegments);
        router.route().failureHandler(ClientApi::failure);
        router.errorHandler(404, ctx -> fail(ctx, ImgapiError.notFound("resource " + safePath(ctx))));
        router.errorHandler(405, ctx -> fail(ctx, new ImgapiError(ErrorCode.METHOD_NOT_ALLOWED,
                ctx.request().method() + " is not allowed on " + safePath(ctx))));
        router.errorHandler(413, ctx -> fail(ctx, ImgapiError.withField(ErrorCode.REQUEST_TOO_LARGE, "body",
                "request body is too large")));
        router.errorHandler(400, ctx -> fail(ctx, new ImgapiError(ErrorCode.BAD_REQUEST, "bad request")));
        router.errorHandler(500, ClientApi::failure);
        return router;
    }

    public static String requestId(RoutingContext ctx) {
        String id = ctx.get(REQUEST_ID);
        return id == null ? "-" : id;
    }

    /**
     * A new request id in UUID (version 4) form. It names a request in logs and is no secret, so it comes from the
     * thread's own generator: {@code UUID.randomUUID()} draws on the shared SecureRandom on every request.
     */
    private static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
                .toString();
    }

    private static void assignRequestId(RoutingContext ctx) {
        String id = ctx.request().getHeader("X-Request-Id");
        if (id == null || id.length() > 64 || !CLIENT_REQUEST_ID.matcher(id).matches()) {
            id = newRequestId();
        }
        ctx.put(REQUEST_ID, id);
        long start = System.nanoTime();
        String finalId = id;
        ctx.response().putHeader("X-Request-Id", id).putHeader("Server", "imgfed");
        ctx.addEndHandler(ar -> {
            // Polled endpoints would drown the log; they appear at DEBUG only.
            boolean polled = ctx.request().method() == io.vertx.core.http.HttpMethod.GET && POLLED.contains(ctx.request().path());
            if (polled ? ACCESS.isDebugEnabled() : ACCESS.isInfoEnabled()) {
                io.imgfed.transfer.pull.TransferLog.request(finalId).run(() -> {
                    String line = "{} {} {} {}ms";
                    Object[] args = {ctx.request().method(), safePath(ctx), ctx.response().getStatusCode(),
                            (System.nanoTime() - start) / 1_000_000};
                    if (polled) {
                        ACCESS.debug(line, args);
                    } else {
                        ACCESS.info(line, args);
                    }
                });
            }
        });
        try {
            // A query string that is not valid %-encoding is the client's error on every route (not a 500 later).
            QueryParams.of(ctx);
        } catch (io.imgfed.protocol.error.ImgapiException e) {
            ctx.fail(e);
            return;
        }
        ctx.next();
    }

    /**
     * No API path has "." or ".." segments; a path with them (plain or %-encoded) is answered 404 before the
     * router's normalisation could turn it into some other path.
     */
    private static void refuseDotSegments(RoutingContext ctx) {
        String raw = ctx.request().path();
        if (raw != null) {
            String p = raw.toLowerCase(java.util.Locale.ROOT).replace("%2e", ".").replace("%2f", "/").replace("%5c", "/");
            for (String segment : p.split("/", -1)) {
                if (segment.equals("..") || segment.equals(".")) {
                    fail(ctx, ImgapiError.notFound("resource " + safePath(ctx)));
                    return;
                }
            }
        }
        ctx.next();
    }

    private static void failure(RoutingContext ctx) {
        drainUnreadBody(ctx.request());
        Throwable t = ctx.failure();
        if (t == null) {
            int status = ctx.statusCode();
            ErrorCode code = switch (status) {
                case 400 -> ErrorCode.BAD_REQUEST;
                case 401 -> ErrorCode.UNAUTHORIZED;
                case 404 -> ErrorCode.RESOURCE_NOT_FOUND;
                case 413 -> ErrorCode.REQUEST_TOO_LARGE;
                default -> ErrorCode.INTERNAL_ERROR;
            };
            t = new ImgapiError(code, code == ErrorCode.INTERNAL_ERROR ? "internal error" : "request failed with " + status)
                    .toException();
        }
        ErrorResponses.send(ctx.response(), t, requestId(ctx));
    }

    /**
     * A request answered before its body was read (a handler paused it, then failed) must still be read to its
     * end, or the connection hangs: the client's next request on it is never read.
     */
    public static void drainUnreadBody(HttpServerRequest request) {
        if (!request.isEnded()) {
            request.resume();
        }
    }

    private static void fail(RoutingContext ctx, ImgapiError error) {
        ErrorResponses.send(ctx.response(), error.toException(), requestId(ctx));
    }

    private static String safePath(RoutingContext ctx) {
        String p = ctx.request().path();
        if (p == null) {
            return "?";
        }
        String cut = p.length() > 128 ? p.substring(0, 128) + "..." : p;
        return cut.replaceAll("[^A-Za-z0-9/._~%-]", "?");
    }
}
