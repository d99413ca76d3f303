package io.imgfed.replicator.oci.mirror;

import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.AuthChallenge;
import io.imgfed.protocol.oci.ManifestDocument;
import io.imgfed.protocol.oci.MediaTypes;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.replicator.config.ImgfedConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Speaks to one upstream registry: a manifest by tag or digest, a blob from an offset. Answers the registry's
 * challenge once per repository (Basic with the configured credentials, or the Bearer token flow: the token
 * server named by the challenge's realm, asked with the credentials if any, its token kept until it expires)
 * and retries the request with it. Connections time out (connect and idle) so a dead upstream fails a request
 * instead of hanging it.
 */
public final class UpstreamClient implements AutoCloseable {
    /** Every manifest type, so the upstream answers an index rather than picking a platform for us. */
    static final String ACCEPT = String.join(", ", MediaTypes.MANIFESTS);
    private static final int MAX_TOKEN_RESPONSE = 1 << 20;
    /** So an upstream's operators see who fetches (and our tests can tell the mirror's requests from a client's). */
    static final String USER_AGENT = "imgfed-mirror/" + io.imgfed.replicator.Version.get();

    /** A manifest as the upstream sent it. */
    public record Fetched(String mediaType, String digest, byte[] body) {
    }

    private record Credential(String authorization, long expiresAtMillis) {
        boolean valid() {
            return System.currentTimeMillis() < expiresAtMillis;
        }
    }

    private final ImgfedConfig.Upstream upstream;
    private final HttpClientAgent client;
    private final String basePath;
    /** repository → the Authorization header that worked for it. */
    private final Map<String, Credential> credentials = new ConcurrentHashMap<>();

    public UpstreamClient(Vertx vertx, ImgfedConfig.Upstream upstream) {
        this.upstream = upstream;
        URI u = upstream.url();
        boolean tls = "https".equalsIgnoreCase(u.getScheme());
        this.basePath = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(tls)
                .setDefaultHost(u.getHost())
                .setDefaultPort(u.getPort() > 0 ? u.getPort() : tls ? 443 : 80)
                .setConnectTimeout(5_000)
                .setIdleTimeout(30)
                .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
    }

    public String id() {
        return upstream.id();
    }

    /** The manifest {@code reference} (a tag or a digest) names, checked against a digest reference. */
    public Future<Fetched> manifest(RepositoryName name, String reference) {
        String path = "/v2/" + name + "/manifests/" + reference;
        return send(name, HttpMethod.GET, path, MultiMap.caseInsensitiveMultiMap().add("Accept", ACCEPT))
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        return body(resp).transform(x -> Future.failedFuture(failure(resp, "manifest " + name + ":"
                                + reference)));
                    }
                    String length = resp.getHeader("Content-Length");
                    if (length != null && parseLong(length) > ManifestDocument.MAX_BYTES) {
                        resp.request().reset();
                        return Future.failedFuture(new UpstreamException(upstream.id() + " sent a manifest of " + length
                                + " bytes, over the limit of " + ManifestDocument.MAX_BYTES, false));
                    }
                    return body(resp).map(body -> {
                        byte[] bytes = body.getBytes();
                        OciDigest digest = OciDigest.sha256(bytes);
                        if (reference.contains(":") && !OciDigest.parse(reference).matches(bytes)) {
                            throw new UpstreamException(upstream.id() + " answered " + name + "@" + reference
                                    + " with other content (" + digest + ")", false);
                        }
                        String type = MediaTypes.essence(resp.getHeader("Content-Type"));
                        return new Fetched(type, digest.toString(), bytes);
                    });
                });
    }

    /**
     * A blob's bytes from {@code offset} on, handed over paused: status 200 (offset 0, or an upstream that
     * ignored the range: the caller starts over) or 206.
     */
    public Future<HttpClientResponse> blob(RepositoryName name, String digest, long offset) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (offset > 0) {
            headers.add("Range", "bytes=" + offset + "-");
        }
        return send(name, HttpMethod.GET, "/v2/" + name + "/blobs/" + digest, headers).compose(resp -> {
            if (resp.statusCode() == 200 || (offset > 0 && resp.statusCode() == 206)) {
                return Future.succeededFuture(resp);
            }
            return body(resp).transform(x -> Future.failedFuture(failure(resp, "blob " + name + "@" + digest)));
        });
    }

    /** Sends with the repository's credential; on a 401, answers its challenge and sends once more. */
    private Future<HttpClientResponse> send(RepositoryName name, HttpMethod method, String path, MultiMap headers) {
        Credential known = credentials.get(name.value());
        String auth = known != null && known.valid() ? known.authorization() : null;
        return attempt(method, path, headers, auth).compose(resp -> {
            if (resp.statusCode() != 401) {
                return Future.succeededFuture(resp);
            }
            String header = resp.getHeader("WWW-Authenticate");
            return body(resp).transform(x -> authorize(name, header)).compose(credential -> {
                credentials.put(name.value(), credential);
                return attempt(method, path, headers, credential.authorization());
            }).compose(retried -> retried.statusCode() == 401
                    ? body(retried).transform(x -> Future.failedFuture(new UpstreamException(upstream.id()
                            + " refused the credentials for " + name + " (401)", false)))
                    : Future.succeededFuture(retried));
        });
    }

    private Future<HttpClientResponse> attempt(HttpMethod method, String path, MultiMap headers, String authorization) {
        RequestOptions opts = new RequestOptions().setMethod(method).setURI(basePath + path).setFollowRedirects(true)
                .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(headers)).setIdleTimeout(30_000)
                .putHeader("User-Agent", USER_AGENT);
        if (authorization != null) {
            opts.putHeader("Authorization", authorization);
        }
        return client.request(opts).compose(req -> req.send().map(resp -> {
            resp.pause();
            return resp;
        })).recover(err -> Future.failedFuture(err instanceof UpstreamException ? err
                : new UpstreamException(upstream.id() + " (" + upstream.url() + ") could not be reached", err)));
    }

    private Future<Credential> authorize(RepositoryName name, String header) {
        AuthChallenge challenge = AuthChallenge.parse(header).orElse(null);
        if (challenge == null) {
            return Future.failedFuture(new UpstreamException(upstream.id() + " answered 401 without a challenge this "
                    + "client can answer (" + header + ")", false));
        }
        String basic = upstream.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (upstream.username() + ":" + upstream.password()).getBytes(StandardCharsets.UTF_8));
        if (!challenge.isBearer()) {
            return basic == null
                    ? Future.failedFuture(new UpstreamException(upstream.id() + " asks for credentials (Basic) and "
                            + "oci.upstreams." + upstream.id() + " has none", false))
                    : Future.succeededFuture(new Credential(basic, Long.MAX_VALUE));
        }
        URI tokenUrl;
        try {
            tokenUrl = challenge.tokenUrl(name.value());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new UpstreamException(upstream.id() + ": " + e.getMessage(), false));
        }
        boolean tls = "https".equalsIgnoreCase(tokenUrl.getScheme());
        RequestOptions opts = new RequestOptions().setMethod(HttpMethod.GET).setSsl(tls).setHost(tokenUrl.getHost())
                .setPort(tokenUrl.getPort() > 0 ? tokenUrl.getPort() : tls ? 443 : 80)
                .setURI(tokenUrl.getRawPath() + "?" + tokenUrl.getRawQuery()).setIdleTimeout(30_000)
                .putHeader("User-Agent", USER_AGENT);
        if (basic != null) {
            opts.putHeader("Authorization", basic);
        }
        return client.request(opts).compose(req -> req.send().compose(resp -> {
            if (resp.statusCode() != 200) {
                return body(resp).transform(x -> Future.failedFuture(new UpstreamException("the token server of "
                        + upstream.id() + " answered " + resp.statusCode() + " for " + name, false)));
            }
            return body(resp);
        })).map(body -> {
            if (body.length() > MAX_TOKEN_RESPONSE) {
                throw new UpstreamException("the token server of " + upstream.id() + " sent " + body.length()
                        + " bytes", false);
            }
            var json = Json.tree(body.getBytes());
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new UpstreamException("the token server of " + upstream.id() + " sent no token", false);
            }
            // Renewed a little before it expires; the spec's default lifetime is 60 s.
            long lifetime = Math.max(10, json.path("expires_in").asLong(60));
            return new Credential("Bearer " + token, System.currentTimeMillis() + (lifetime - 5) * 1000);
        }).recover(err -> Future.failedFuture(err instanceof UpstreamException ? err
                : new UpstreamException("the token server of " + upstream.id() + " could not be reached", err)));
    }

    /** The whole body of a response handed over paused. */
    private static Future<Buffer> body(HttpClientResponse resp) {
        Future<Buffer> body = resp.body();
        resp.resume();
        return body;
    }

    private UpstreamException failure(HttpClientResponse resp, String what) {
        int s = resp.statusCode();
        return new UpstreamException(upstream.id() + " answered " + s + " for " + what, s == 404);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
