package io.imgfed.replicator.peer;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * The HTTP client this DC uses to talk to other DCs' peer listeners (forwarded mutations, file pulls):
 * keep-alive connections, short connect timeout so an unreachable DC is noticed quickly, and mutual TLS when
 * the federation is configured with certificates.
 */
public final class PeerClient implements AutoCloseable {
    public static final int CONNECT_TIMEOUT_MS = 2000;

    private final HttpClient client;

    public PeerClient(Vertx vertx, HttpClientOptions tls) {
        HttpClientOptions options = new HttpClientOptions(tls)
                .setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setIdleTimeout(60)
                .setMaxChunkSize(64 * 1024);
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(16));
    }

    public HttpClient http() {
        return client;
    }

    /** Splits {@code host:port} (IPv6 in brackets). */
    public static HostPort hostPort(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new HostPort(host, Integer.parseInt(address.substring(colon + 1)));
    }

    public record HostPort(String host, int port) {
    }

    @Override
    public void close() {
        client.close();
    }
}
