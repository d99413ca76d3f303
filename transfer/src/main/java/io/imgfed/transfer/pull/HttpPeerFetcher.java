package io.imgfed.transfer.pull;

import io.imgfed.protocol.federation.CertificateNames;
import io.imgfed.protocol.federation.PeerAddress;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Fetches files from other DCs' peer listeners: {@code GET /peer/v1/files/<sha1>} with {@code Range} from the
 * offset reached, on a connection of its own read below Vert.x's HTTP client ({@link PeerFileResponse}: no heap
 * copy of the bytes), mutual TLS when configured. The body is handed over paused.
 */
public final class HttpPeerFetcher implements PeerFetcher {
    public static final String FILES = "/peer/v1/files/";
    /** {@code GET /peer/v1/pieces/<sha1>?size=<piece size>}: the piece list, 32 bytes per piece. */
    public static final String PIECES = "/peer/v1/pieces/";
    private static final int MAX_PIECE_LIST = 64 * 1024 * 1024;

    private final HttpClient client;
    private final NetClient files;
    private final String selfDc;
    private final boolean tls;

    /**
     * @param client for piece lists
     * @param files for the files' bytes, a connection per fetch (the same TLS settings as {@code client})
     * @param tls whether peers are reached over mutual TLS; then a source must prove it is the DC it was chosen as
     */
    public HttpPeerFetcher(HttpClient client, NetClient files, String selfDc, boolean tls) {
        this.client = client;
        this.files = files;
        this.selfDc = selfDc;
        this.tls = tls;
    }

    @Override
    public Future<Buffer> pieces(SourceCandidate source, String sha1, int pieceSize, String requestId) {
        RequestOptions opts = options(source, PIECES + sha1 + "?size=" + pieceSize, requestId);
        return client.request(opts).compose(req -> req.send().compose(resp -> {
            String problem = checkSource(req, source);
            if (problem == null && resp.statusCode() != 200) {
                problem = "source " + source.dc() + " answered " + resp.statusCode() + " for the piece list";
            }
            String length = resp.getHeader("Content-Length");
            if (problem == null && (length == null || Long.parseLong(length) > MAX_PIECE_LIST)) {
                problem = "source " + source.dc() + " sent a piece list of " + length + " bytes";
            }
            if (problem != null) {
                req.reset();
                return Future.failedFuture(new IllegalStateException(problem));
            }
            return resp.body();
        }));
    }

    private RequestOptions options(SourceCandidate source, String uri, String requestId) {
        PeerAddress at = PeerAddress.parse(source.peerAddress());
        return new RequestOptions().setMethod(HttpMethod.GET).setHost(at.host()).setPort(at.port())
                .setURI(uri)
                .putHeader("X-Imgfed-Dc", selfDc)
                .putHeader("X-Request-Id", requestId);
    }

    private String checkSource(HttpClientRequest req, SourceCandidate source) {
        return tls ? checkSource(req.connection()::peerCertificates, source) : null;
    }

    private String checkSource(NetSocket socket, SourceCandidate source) {
        return tls ? checkSource(socket::peerCertificates, source) : null;
    }

    private interface Certificates {
        java.util.List<java.security.cert.Certificate> get() throws javax.net.ssl.SSLPeerUnverifiedException;
    }

    /** With mutual TLS, a source must prove it is the DC it was chosen as; null when it did. */
    private String checkSource(Certificates certificates, SourceCandidate source) {
        String dc;
        try {
            dc = CertificateNames.dcOf(certificates.get());
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            dc = null;
        }
        return source.dc().equals(dc) ? null : "the peer at " + source.peerAddress() + " presented the certificate of DC "
                + dc + ", not " + source.dc();
    }

    @Override
    public Future<SourceStream> open(SourceCandidate source, String sha1, long offset, long size, String requestId) {
        ContextInternal context = (ContextInternal) Vertx.currentContext();
        if (context == null) {
            return Future.failedFuture(new IllegalStateException("a fetch is opened on a Vert.x context"));
        }
        PeerAddress at = PeerAddress.parse(source.peerAddress());
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET.toNetty(),
                FILES + sha1);
        request.headers()
                .set(HttpHeaderNames.HOST, source.peerAddress())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("X-Imgfed-Dc", selfDc)
                .set("X-Request-Id", requestId);
        if (offset > 0) {
            request.headers().set(HttpHeaderNames.RANGE, "bytes=" + offset + "-");
        }
        return files.connect(at.port(), at.host()).compose(socket -> {
            String problem = checkSource(socket, source);
            if (problem != null) {
                socket.close();
                return Future.failedFuture(new IllegalStateException(problem));
            }
            return PeerFileResponse.exchange((NetSocketInternal) socket, context, request, offset > 0 ? 206 : 200,
                    size - offset, source.dc());
        });
    }
}
