package io.imgfed.replicator.peer;

import io.imgfed.protocol.federation.PeerAddress;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * The HTTP client this DC uses to talk to other DCs' peer listeners (forwarded mutations, file pulls):
 * keep-alive connections, short connect timeout so an unreachable DC is noticed quickly, and mutual TLS when
 * the federation is configured with certificates.
 */
public final class PeerClient implements AutoCloseable {
    public static final int CONNECT_TIMEOUT_MS = 2000;

    private final HttpClient client;
    private final NetClient files;

    public PeerClient(Vertx vertx, HttpClientOptions tls) {
        HttpClientOptions options = new HttpClientOptions(tls)
                .setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setIdleTimeout(60)
                .setMaxChunkSize(64 * 1024);
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(16));
        NetClientOptions fileOptions = new NetClientOptions(options).setIdleTimeout(0);
        if (options.isSsl() && options.isVerifyHost()) {
            fileOptions.setHostnameVerificationAlgorithm("HTTPS");
        }
        this.files = vertx.createNetClient(fileOptions);
    }

    public HttpClient http() {
        return client;
    }

    /** Connections for pulling files' bytes: one per fetch, same TLS as {@link #http()}, read below HTTP. */
    public NetClient files() {
        return files;
    }

    /**
     * A POST to another DC's peer listener on behalf of {@code caller}: the caller it vouches for, who forwards,
     * and the request id that follows the request into the other DC's logs.
     */
    public static io.vertx.core.http.RequestOptions forwardedPost(String peerAddress, String uri,
            io.imgfed.replicator.auth.Caller caller, String selfDc, String requestId) {
        PeerAddress hp = PeerAddress.parse(peerAddress);
        return new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
                .setHost(hp.host()).setPort(hp.port()).setURI(uri)
                .putHeader(io.imgfed.replicator.auth.ForwardedCallers.HEADER,
                        io.imgfed.replicator.auth.ForwardedCallers.encode(caller))
                .putHeader("X-Imgfed-Forwarded-By", selfDc)
                .putHeader(PeerTls.DC_HEADER, selfDc)
                .putHeader("X-Request-Id", requestId);
    }

    @Override
    public void close() {
        client.close();
        files.close();
    }
}
