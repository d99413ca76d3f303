package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.Version;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/**
 * A blocking client of a daemon's client API over HTTP/1.1 (the daemon serves nothing else): bearer token and
 * {@code ?account=} on every request, IMGAPI error answers thrown as {@link ApiError}, transport failures as a
 * {@link CliException} that says which URL could not be reached. File bodies are streamed both ways.
 */
public final class ApiClient {
    private static final String USER_AGENT = "imgfed-cli/" + Version.get();

    private final String base;
    private final String token;
    private final String account;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base     the daemon's URL, e.g. {@code http://127.0.0.1:8080} (a trailing slash is dropped)
     * @param timeout  for connecting and for each JSON request; file transfers are bounded by progress, not time
     */
    public ApiClient(String base, String token, String account, Duration timeout) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
        this.account = account;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public String url() {
        return base;
    }

    public ApiResponse get(String path, QueryString query) {
        return json(request(path, query).GET());
    }

    public ApiResponse get(String path) {
        return get(path, new QueryString());
    }

    public ApiResponse post(String path, QueryString query, JsonNode body) {
        return json(request(path, query).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))));
    }

    /** A POST without a body (the image actions). */
    public ApiResponse post(String path, QueryString query) {
        return json(request(path, query).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public ApiResponse delete(String path) {
        return json(request(path, new QueryString()).DELETE());
    }

    /**
     * PUTs a file as the request body, streamed from disk; {@code sent} hears the running count of bytes handed
     * to the connection. No {@code Expect: 100-continue}: JDK 17's client waits forever for the 100 when the
     * daemon refuses at once (404, 422), even past the request's timeout (JDK-8286171). Without it a refusal
     * still comes back as the daemon's error, only after the body is sent.
     */
    public ApiResponse putFile(String path, QueryString query, Path file, LongConsumer sent) {
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (FileNotFoundException e) {
            throw new CliException("cannot read " + file + ": no such file");
        }
        HttpRequest.Builder b = request(path, query)
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofDays(1))
                .PUT(new CountingBodyPublisher(body, sent));
        // The answer comes after the whole file: a big file takes as long as it takes (the connect timeout still applies).
        return check(send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    /** GETs a file: the answer with its body still to be read. Error answers are read and thrown. */
    public HttpResponse<InputStream> openFile(String path) {
        // The timeout bounds the wait for the answer's head only (a lazy pull may take a while to start); the body
        // then streams for as long as it takes.
        HttpRequest req = request(path, new QueryString()).setHeader("Accept", "application/octet-stream, application/json")
                .GET().timeout(Duration.ofDays(1)).build();
        CompletableFuture<HttpResponse<InputStream>> pending = http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> r;
        try {
            r = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw noAnswer(req, e);
        } catch (ExecutionException e) {
            throw transportFailure(req, e.getCause() instanceof Exception ex ? ex : e);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", e);
        }
        if (r.statusCode() >= 300) {
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(64 * 1024);
            } catch (IOException e) {
                body = new byte[0];
            }
            throw ApiError.from(r.statusCode(), body);
        }
        return r;
    }

    private HttpRequest.Builder request(String path, QueryString query) {
        QueryString q = query.copy().add("account", account);
        URI uri;
        try {
            uri = URI.create(base + path + q.encoded());
        } catch (IllegalArgumentException e) {
            throw new CliException("bad URL " + base + path + ": " + e.getMessage());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Accept", "application/json")
                .header("User-Agent", USER_AGENT)
                .timeout(timeout);
        if (token != null && !token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private ApiResponse json(HttpRequest.Builder request) {
        return check(send(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    private static ApiResponse check(HttpResponse<byte[]> r) {
        if (r.statusCode() >= 300) {
            throw ApiError.from(r.statusCode(), r.body());
        }
        return new ApiResponse(r.statusCode(), r.headers(), r.body());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw transportFailure(request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", e);
        }
    }

    /** Says what went wrong on the way to the daemon, naming its URL. */
    private CliException transportFailure(HttpRequest request, Exception e) {
        if (e instanceof HttpConnectTimeoutException) {
            return unreachable("no connection within " + connectSeconds() + " s", e);
        }
        if (e instanceof HttpTimeoutException) {
            return noAnswer(request, e);
        }
        if (e instanceof ConnectException) {
            return unreachable(reason(e), e);
        }
        if (hasCause(e, UnresolvedAddressException.class)) {
            return unreachable("unknown host " + request.uri().getHost(), e);
        }
        if (e instanceof CliException ce) {
            return ce;
        }
        return new CliException("the connection to the imgfed daemon at " + base + " failed: " + reason(e), e);
    }

    private CliException noAnswer(HttpRequest request, Exception e) {
        return new CliException("the imgfed daemon at " + base + " did not answer within " + timeout.toSeconds()
                + " s (" + request.method() + " " + request.uri().getPath() + "); --timeout sets the limit", e);
    }

    private long connectSeconds() {
        return http.connectTimeout().map(Duration::toSeconds).orElse(0L);
    }

    private CliException unreachable(String why, Throwable cause) {
        return new CliException("cannot reach the imgfed daemon at " + base + " (" + why + "); is it running? "
                + "Point --url or IMGFED_URL at its client API", cause);
    }

    /** The most telling message in a chain of exceptions (the JDK often leaves the outer one empty). */
    private static String reason(Throwable t) {
        if (t instanceof ConnectException && (t.getMessage() == null || t.getMessage().isBlank())) {
            return "connection refused";
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return c.getMessage();
            }
        }
        return t.getClass().getSimpleName();
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
