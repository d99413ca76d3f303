package io.imgfed.replicator.peer;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.federation.CertificateNames;
import io.imgfed.replicator.config.ImgfedConfig;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * TLS between DCs: TLS 1.3 (1.2 allowed), each side presenting its DC certificate and verifying the other's
 * against the federation CA, and a DC's claimed name ({@code X-Imgfed-Dc}) bound to its certificate.
 *
 * <p>The TLS engine is BoringSSL (netty-tcnative) where its native library loads: the JDK's engine cost a pull
 * over mTLS about a third more CPU per GiB than plain HTTP, most of it in AES-GCM and copies between heap and
 * direct buffers. Where it does not load (another platform) the JDK's engine serves, with the same protocols.
 */
public final class PeerTls {
    public static final String DC_HEADER = "X-Imgfed-Dc";
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    private PeerTls() {
    }

    /** The TLS engine peers use: BoringSSL when its native library loads here, else the JDK's. */
    public static SSLEngineOptions engine() {
        return OpenSSLEngineOptions.isAvailable() ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
    }

    /** Server side of a listener with TLS; with {@code requireClientCert} only clients certified by the CA get in. */
    public static HttpServerOptions server(HttpServerOptions o, ImgfedConfig.Tls tls, boolean requireClientCert) {
        o.setSsl(true)
                .setSslEngineOptions(engine())
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
                .setEnabledSecureTransportProtocols(PROTOCOLS);
        if (requireClientCert) {
            o.setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString())).setClientAuth(ClientAuth.REQUIRED);
        }
        return o;
    }

    /** The peer client: presents this DC's certificate, trusts only the federation CA, checks host names. */
    public static HttpClientOptions client(ImgfedConfig.Tls tls) {
        HttpClientOptions o = new HttpClientOptions();
        if (tls == null) {
            return o;
        }
        return o.setSsl(true)
                .setSslEngineOptions(engine())
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
                .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
                .setVerifyHost(true)
                .setEnabledSecureTransportProtocols(PROTOCOLS);
    }

    /**
     * First handler of the peer listener under TLS: the DC a caller claims to be must be the DC its client
     * certificate names. A DC cannot act in another DC's name.
     */
    public static void checkCaller(RoutingContext ctx) {
        String claimed = ctx.request().getHeader(DC_HEADER);
        String certified;
        try {
            certified = CertificateNames.dcOf(ctx.request().connection().peerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            certified = null;
        }
        if (certified == null) {
            throw new ImgapiError(ErrorCode.UNAUTHORIZED, "a DC certificate is required").toException();
        }
        if (!certified.equals(claimed)) {
            throw ImgapiError.withField(ErrorCode.FORBIDDEN, DC_HEADER, "the client certificate is DC " + certified
                    + "'s, but the request claims DC " + (claimed == null ? "(none)" : claimed)).toException();
        }
        ctx.next();
    }
}
