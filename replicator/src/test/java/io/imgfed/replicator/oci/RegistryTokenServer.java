package io.imgfed.replicator.oci;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A token server of the Distribution token flow, for an upstream registry configured with {@code auth: token}
 * (Debian's CNCF registry checks every token's RS256 signature against the certificate in its
 * {@code rootcertbundle}, and its issuer, audience, expiry and access claims). It gives a token for
 * {@code GET /token?service=&scope=} to a caller with the right Basic credentials, and records what it was asked.
 * No token server is packaged in Debian (docker_auth, Harbor's core are not), so the tests issue the tokens
 * themselves; the registry that verifies them is the real one.
 */
final class RegistryTokenServer implements AutoCloseable {
    static final String SERVICE = "imgfed-test-registry";
    static final String ISSUER = "imgfed-test-issuer";

    private final KeyPair key;
    private final X509Certificate cert;
    private final HttpServer server;
    private final String user;
    private final String password;
    /** "user scope" of every token given, "DENIED user" of every refusal. */
    final List<String> asked = new CopyOnWriteArrayList<>();

    RegistryTokenServer(String user, String password) throws Exception {
        this.user = user;
        this.password = password;
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        key = g.generateKeyPair();
        X500Name name = new X500Name("CN=" + ISSUER);
        cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(3600)), Date.from(Instant.now().plusSeconds(86_400)), name,
                key.getPublic()).build(new JcaContentSignerBuilder("SHA256withRSA").build(key.getPrivate())));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            String query = exchange.getRequestURI().getRawQuery();
            String scope = "";
            for (String kv : query == null ? new String[0] : query.split("&")) {
                if (kv.startsWith("scope=")) {
                    scope = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
                }
            }
            byte[] body;
            int status;
            if (!expected.equals(auth)) {
                asked.add("DENIED " + auth);
                status = 401;
                body = "{\"details\":\"wrong credentials\"}".getBytes(StandardCharsets.UTF_8);
            } else {
                asked.add(user + " " + scope);
                status = 200;
                body = ("{\"token\":\"" + token(scope) + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The registry's {@code auth:} section, with the certificate written to {@code dir}. */
    String registryAuthYaml(Path dir) throws Exception {
        Path bundle = dir.resolve("token-ca.pem");
        Files.writeString(bundle, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        return "auth:\n  token:\n    realm: " + realm() + "\n    service: " + SERVICE + "\n    issuer: " + ISSUER
                + "\n    rootcertbundle: " + bundle + "\n";
    }

    /** A signed token for a scope like {@code repository:team/app:pull,push}. */
    String token(String scope) {
        try {
            String access = "[]";
            String[] parts = scope.split(":");
            if (parts.length == 3) {
                StringBuilder actions = new StringBuilder();
                for (String a : parts[2].split(",")) {
                    actions.append(actions.length() == 0 ? "" : ",").append('"').append(a).append('"');
                }
                access = "[{\"type\":\"" + parts[0] + "\",\"name\":\"" + parts[1] + "\",\"actions\":[" + actions + "]}]";
            }
            long now = Instant.now().getEpochSecond();
            String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5c\":[\""
                    + Base64.getEncoder().encodeToString(cert.getEncoded()) + "\"]}";
            String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + user + "\",\"aud\":\"" + SERVICE + "\",\"exp\":"
                    + (now + 300) + ",\"nbf\":" + (now - 60) + ",\"iat\":" + now + ",\"jti\":\"" + System.nanoTime()
                    + "\",\"access\":" + access + "}";
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.getPrivate());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
