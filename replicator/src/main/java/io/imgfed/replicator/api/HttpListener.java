package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener served by several event loops: one server per loop on the same port, which Vert.x
 * shares among them, so every core takes connections.
 */
public final class HttpListener {
    private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
    private final Vertx vertx;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<String> deployments = new CopyOnWriteArrayList<>();
    private volatile int port;

    private final SlowClientGuard guard;

    private HttpListener(Vertx vertx, SlowClientGuard guard) {
        this.vertx = vertx;
        this.guard = guard;
    }

    /**
     * Listens on {@code options}' host and port with {@code instances} servers. Port 0 picks a free port
     * first: Vert.x shares a port between servers only when they ask for the same number.
     */
    public static Future<HttpListener> start(Vertx vertx, HttpServerOptions options, Router router, int instances,
            Duration headerTimeout) {
        SlowClientGuard guard = new SlowClientGuard(vertx, headerTimeout);
        if (options.getPort() != 0) {
            HttpListener l = new HttpListener(vertx, guard);
            return l.deploy(new HttpServerOptions(options), router, instances).map(l);
        }
        return startOnFreePort(vertx, guard, options, router, instances, 5);
    }

    private static Future<HttpListener> startOnFreePort(Vertx vertx, SlowClientGuard guard, HttpServerOptions options,
            Router router, int instances, int attemptsLeft) {
        HttpListener l = new HttpListener(vertx, guard);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(options.getHost()))) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        return l.deploy(new HttpServerOptions(options).setPort(port), router, instances).map(l)
                .recover(err -> attemptsLeft > 1 && err instanceof java.net.BindException
                        ? startOnFreePort(vertx, guard, options, router, instances, attemptsLeft - 1)
                        : Future.failedFuture(err));
    }

    private Future<Void> deploy(HttpServerOptions options, Router router, int instances) {
        return vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                return vertx.createHttpServer(options)
                        .connectionHandler(conn -> {
                            guard.connected(conn);
                            conn.exceptionHandler(HttpListener::connectionFailed);
                        })
                        .invalidRequestHandler(HttpListener::invalidRequest)
                        .requestHandler(req -> {
                            guard.request(req);
                            String path = req.path();
                            if (path == null || !path.startsWith("/")) {
                                // The router would fail such a request (*, ?x, a bare name) as an internal error.
                                ErrorResponses.send(req.response(), new ImgapiError(ErrorCode.BAD_REQUEST,
                                        "the request target must be an absolute path").toException(), "-");
                                return;
                            }
                            if (req.version() == HttpVersion.HTTP_1_1 && req.getHeader(HttpHeaders.HOST) == null) {
                                // RFC 9112 3.2: a client error. Vert.x Web would fail it as an internal one.
                                ErrorResponses.send(req.response(), ImgapiError.withField(ErrorCode.BAD_REQUEST, "Host",
                                        "an HTTP/1.1 request must carry a Host header").toException(), "-");
                                return;
                            }
                            router.handle(req);
                        })
                        .listen().onSuccess(s -> {
                    servers.add(s);
                    port = s.actualPort();
                });
            }
        }, new DeploymentOptions().setInstances(instances)).onSuccess(deployments::add).mapEmpty();
    }

    /**
     * Requests the HTTP decoder rejected (overlong line or headers, malformed head) get IMGAPI's JSON error
     * like every other failure, then the connection is closed since its framing cannot be trusted.
     */
    static void invalidRequest(io.vertx.core.http.HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        int status;
        String message;
        if (cause instanceof io.netty.handler.codec.TooLongFrameException && String.valueOf(cause.getMessage()).contains("line")) {
            status = 414;
            message = "the request line is too long";
        } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
            status = 431;
            message = "the request headers are too large";
        } else {
            status = 400;
            message = "malformed HTTP request";
        }
        var body = io.imgfed.protocol.json.Json.object();
        body.put("code", status == 400 ? "BadRequest" : status == 414 ? "RequestURITooLong" : "RequestHeaderFieldsTooLarge");
        body.put("message", message);
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                .end(io.vertx.core.buffer.Buffer.buffer(io.imgfed.protocol.json.Json.bytes(body)))
                .onComplete(ar -> req.connection().close());
    }

    /** A connection's own failure (without one, Vert.x logs every client reset at ERROR). */
    private static void connectionFailed(Throwable failure) {
        if (ErrorResponses.connectionLost(failure)) {
            LOG.debug("a client connection was lost: {}", failure.toString());
        } else {
            LOG.warn("a client connection failed: {}", failure.toString());
        }
    }

    public int port() {
        return port;
    }

    /** Stops accepting, lets requests in flight finish for up to {@code grace}, then closes. */
    public Future<Void> shutdown(Duration grace) {
        List<Future<Void>> closing = servers.stream().map(s -> s.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS)).toList();
        return Future.join(closing).transform(ar -> {
            List<Future<Void>> undeploys = deployments.stream().map(vertx::undeploy).toList();
            return Future.join(undeploys).mapEmpty();
        });
    }

}
