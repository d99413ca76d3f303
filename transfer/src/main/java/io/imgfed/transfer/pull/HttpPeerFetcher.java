package io.imgfed.transfer.pull;

import io.imgfed.protocol.federation.CertificateNames;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Fetches files from other DCs' peer listeners: {@code GET /peer/v1/files/<sha1>} with {@code Range} from the
 * offset reached, over the peer client (mutual TLS when configured). The body is handed over paused.
 */
public final class HttpPeerFetcher implements PeerFetcher {
    public static final String FILES = "/peer/v1/files/";
    /** {@code GET /peer/v1/pieces/<sha1>?size=<piece size>}: the piece list, 32 bytes per piece. */
    public static final String PIECES = "/peer/v1/pieces/";
    private static final int MAX_PIECE_LIST = 64 * 1024 * 1024;

    private final HttpClient client;
    private final String selfDc;
    private final boolean tls;

    /** @param tls whether peers are reached over mutual TLS; then a source must prove it is the DC it was chosen as */
    public HttpPeerFetcher(HttpClient client, String selfDc, boolean tls) {
        this.client = client;
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
        int colon = source.peerAddress().lastIndexOf(':');
        String host = source.peerAddress().substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(source.peerAddress().substring(colon + 1));
        return new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
                .setURI(uri)
                .putHeader("X-Imgfed-Dc", selfDc)
                .putHeader("X-Request-Id", requestId);
    }

    /** With mutual TLS, a source must prove it is the DC it was chosen as; null when it did. */
    private String checkSource(HttpClientRequest req, SourceCandidate source) {
        if (!tls) {
            return null;
        }
        String dc;
        try {
            dc = CertificateNames.dcOf(req.connection().peerCertificates());
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            dc = null;
        }
        return source.dc().equals(dc) ? null : "the peer at " + source.peerAddress() + " presented the certificate of DC "
                + dc + ", not " + source.dc();
    }

    @Override
    public Future<SourceStream> open(SourceCandidate source, String sha1, long offset, long size, String requestId) {
        RequestOptions opts = options(source, FILES + sha1, requestId);
        if (offset > 0) {
            opts.putHeader("Range", "bytes=" + offset + "-");
        }
        return client.request(opts).compose(req -> req.send().compose(resp -> {
            resp.pause();
            String problem = checkSource(req, source);
            if (problem != null) {
                req.reset();
                return Future.failedFuture(new IllegalStateException(problem));
            }
            int expectedStatus = offset > 0 ? 206 : 200;
            String length = resp.getHeader("Content-Length");
            if (resp.statusCode() != expectedStatus || length == null || Long.parseLong(length) != size - offset) {
                req.reset();
                return Future.failedFuture(new IllegalStateException("source " + source.dc() + " answered "
                        + resp.statusCode() + " with Content-Length " + length + " for bytes " + offset + "- of " + size));
            }
            return Future.succeededFuture((SourceStream) new SourceStream() {
                @Override
                public io.vertx.core.streams.ReadStream<io.vertx.core.buffer.Buffer> body() {
                    return resp;
                }

                @Override
                public void close() {
                    req.reset();
                }
            });
        }));
    }

}
