package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.RawHttp;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.pull.HttpPeerFetcher;
import io.imgfed.transfer.pull.PeerFetcher;
import io.imgfed.transfer.pull.SourceCandidate;
import io.imgfed.replicator.config.ImgfedConfig;
import io.imgfed.replicator.peer.PeerClient;
import io.imgfed.replicator.peer.PeerTls;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two DCs whose peer listeners require mutual TLS with certificates of one federation CA: a lazy pull works over
 * it, and a's peer listener refuses callers without a certificate, with another CA's, or with DC b's certificate
 * while claiming to be DC a.
 */
class SecurityPeerMtlsTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    static Path certs;
    static Path rogueCerts;
    static TestFederation fed;
    static Vertx vertx;
    static byte[] file;
    static String sha1;

    /** What a direct call to a peer listener ended with: a status and body, or the failure. */
    record Outcome(int status, String body, Throwable failure) {
        boolean refused() {
            return failure != null || status == 401 || status == 403;
        }

        @Override
        public String toString() {
            return failure != null ? "failed: " + failure : status + " " + body;
        }
    }

    @BeforeAll
    static void start() {
        certs = SecurityKit.federationCa(dir.resolve("certs"), "a", "b", "c");
        rogueCerts = SecurityKit.federationCa(dir.resolve("rogue-ca"), "a", "b");
        fed = TestFederation.builder(dir.resolve("dcs"))
                .common("federation: {cluster: sec-mtls}\n")
                .dc("a", SecurityKit.dcSecurityYaml(certs, "a"))
                .dc("b", SecurityKit.dcSecurityYaml(certs, "b"))
                .start();
        vertx = Vertx.vertx();
        file = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(file);
        sha1 = ImgapiClient.sha1(file);
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (fed != null) {
            fed.close();
        }
    }

    private static String imageAtA() {
        return imageAtA(file, "mtls");
    }

    private static synchronized String imageAtA(byte[] bytes, String name) {
        String uuid = fed.client("a").activeImage(name, bytes);
        Await.until("b knows that a holds the file", CONVERGE, () -> {
            JsonNode arr = fed.client("b").get("/federation/availability?uuid=" + uuid).json();
            return arr.size() == 1 && arr.get(0).path("dcs").path("a").path("state").asText().equals("present");
        });
        return uuid;
    }

    private static HttpClientOptions tlsClient(Path trustCa, Path cert, Path key) {
        HttpClientOptions o = new HttpClientOptions().setSsl(true).setVerifyHost(true).setConnectTimeout(5000)
                .setTrustOptions(new PemTrustOptions().addCertPath(trustCa.toString()));
        if (cert != null) {
            o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
        }
        return o;
    }

    private static Outcome call(HttpClientOptions options, int port, String uri, String claimedDc) {
        HttpClient client = vertx.createHttpClient(options);
        try {
            RequestOptions ro = new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
            if (claimedDc != null) {
                ro.putHeader(PeerTls.DC_HEADER, claimedDc);
            }
            return client.request(ro)
                    .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Outcome(resp.statusCode(),
                            b.toString(), null))))
                    .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return new Outcome(-1, null, e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            client.close();
        }
    }

    private static byte[] callBytes(HttpClientOptions options, int port, String uri, String claimedDc) throws Exception {
        HttpClient client = vertx.createHttpClient(options);
        try {
            RequestOptions ro = new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
                    .putHeader(PeerTls.DC_HEADER, claimedDc);
            Buffer b = client.request(ro).compose(req -> req.send().compose(resp -> {
                assertEquals(200, resp.statusCode());
                return resp.body();
            })).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return b.getBytes();
        } finally {
            client.close();
        }
    }

    @Test
    void lazyPullRunsOverMutualTls() {
        String uuid = imageAtA();
        ImgapiClient.Response got = fed.client("b").get("/images/" + uuid + "/file");
        assertEquals(200, got.status(), got.toString());
        assertEquals("miss", got.header("X-Imgfed-Cache"));
        assertEquals("a", got.header("X-Imgfed-Source"));
        assertArrayEquals(file, got.body(), "identical bytes");
        assertEquals(ImgapiClient.md5Base64(file), got.header("Content-MD5"));
        fed.awaitHolding("a", uuid, "b");
        // Both DCs trust each other's records through the CA: each lists the other alive.
        for (String dc : new String[] {"a", "b"}) {
            JsonNode dcs = fed.client(dc).get("/federation/dcs").json();
            assertEquals(2, dcs.size(), dcs.toString());
            for (JsonNode d : dcs) {
                assertEquals("alive", d.path("status").asText(), dcs.toString());
            }
        }
    }

    @Test
    void mutationsForwardedOverMutualTls() {
        String uuid = imageAtA();
        ImgapiClient.Response r = fed.client("b").post("/images/" + uuid + "?action=update", "{\"description\": \"via b\"}");
        assertEquals(200, r.status(), r.toString());
        assertEquals("a", r.header("X-Imgfed-Home"));
        assertEquals("via b", fed.client("a").get("/images/" + uuid).json().path("description").asText());
    }

    @Test
    void peerCallerWithoutClientCertificateIsRefused() {
        imageAtA();
        int port = fed.peerPort("a");
        for (String uri : new String[] {"/peer/v1/ping", HttpPeerFetcher.FILES + sha1}) {
            Outcome o = call(tlsClient(certs.resolve("ca.pem"), null, null), port, uri, "b");
            assertTrue(o.failure() != null || o.status() == 401, uri + ": " + o);
            assertFalse(o.body() != null && o.body().contains("pong"), uri + ": " + o);
        }
    }

    @Test
    void peerCallerWithCertificateOfAnotherCaIsRefused() {
        imageAtA();
        int port = fed.peerPort("a");
        for (String claimed : new String[] {"b", "a"}) {
            for (String uri : new String[] {"/peer/v1/ping", HttpPeerFetcher.FILES + sha1}) {
                Outcome o = call(tlsClient(certs.resolve("ca.pem"), rogueCerts.resolve(claimed + ".pem"),
                        rogueCerts.resolve(claimed + ".key")), port, uri, claimed);
                assertTrue(o.failure() != null || o.status() == 401, uri + " as " + claimed + ": " + o);
            }
        }
    }

    @Test
    void dcBsCertificateCannotClaimToBeDcA() {
        imageAtA();
        int port = fed.peerPort("a");
        HttpClientOptions asB = tlsClient(certs.resolve("ca.pem"), certs.resolve("b.pem"), certs.resolve("b.key"));
        for (String uri : new String[] {"/peer/v1/ping", HttpPeerFetcher.FILES + sha1}) {
            Outcome o = call(asB, port, uri, "a");
            assertEquals(403, o.status(), uri + ": " + o);
            assertEquals("Forbidden", Json.tree(o.body().getBytes()).path("code").asText(), o.body());
            Outcome none = call(asB, port, uri, null);
            assertEquals(403, none.status(), uri + " without X-Imgfed-Dc: " + none);
            Outcome other = call(asB, port, uri, "c");
            assertEquals(403, other.status(), uri + " claiming c: " + other);
        }
        // A forwarded mutation in a's name is refused before it reaches the image routes.
        Outcome fwd = call(asB, port, "/peer/v1/forward/images", "a");
        assertEquals(403, fwd.status(), fwd.toString());
    }

    @Test
    void dcBsCertificateClaimingDcBIsServed() throws Exception {
        imageAtA();
        int port = fed.peerPort("a");
        HttpClientOptions asB = tlsClient(certs.resolve("ca.pem"), certs.resolve("b.pem"), certs.resolve("b.key"));
        Outcome ping = call(asB, port, "/peer/v1/ping", "b");
        assertEquals(200, ping.status(), ping.toString());
        assertEquals("a", Json.tree(ping.body().getBytes()).path("dc").asText());
        assertArrayEquals(file, callBytes(asB, port, HttpPeerFetcher.FILES + sha1, "b"));
        // TLS 1.1 and older are not offered.
        Outcome old = call(new HttpClientOptions(asB).setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.1")),
                port, "/peer/v1/ping", "b");
        assertTrue(old.failure() != null, "TLS 1.1: " + old);
    }

    @Test
    void plainHttpToTheTlsPeerPortFails() throws Exception {
        String answer = RawHttp.exchange("127.0.0.1", fed.peerPort("a"),
                "GET /peer/v1/ping HTTP/1.1\nHost: 127.0.0.1\nX-Imgfed-Dc: b\nConnection: close\n\n", null, false, 5000);
        assertFalse(answer.startsWith("HTTP/1.1 2"), answer);
        assertFalse(answer.contains("pong"), answer);
        Outcome o = call(new HttpClientOptions().setConnectTimeout(5000), fed.peerPort("a"), "/peer/v1/ping", "b");
        assertTrue(o.failure() != null || o.status() >= 400, o.toString());
    }

    @Test
    void peerClientRefusesAServerWhoseCertificateIsAnotherDcs() throws Exception {
        // A server holding DC c's (valid, CA-issued) certificate where DC a was expected: the fetcher gives up.
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certs.resolve("c.pem").toString())
                                .setKeyPath(certs.resolve("c.key").toString()))
                        .setTrustOptions(new PemTrustOptions().addCertPath(certs.resolve("ca.pem").toString()))
                        .setClientAuth(ClientAuth.REQUIRED))
                .requestHandler(req -> req.response().putHeader("Content-Length", String.valueOf(file.length))
                        .end(Buffer.buffer(file)))
                .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        PeerClient peers = new PeerClient(vertx, PeerTls.client(new ImgfedConfig.Tls(certs.resolve("b.pem"),
                certs.resolve("b.key"), certs.resolve("ca.pem"))));
        try {
            HttpPeerFetcher fetcher = new HttpPeerFetcher(peers.http(), peers.files(), "b", true);
            String addr = "127.0.0.1:" + server.actualPort();
            io.vertx.core.Context ctx = vertx.getOrCreateContext();
            try {
                PeerFetcher.SourceStream s = onContext(ctx,
                        () -> fetcher.open(new SourceCandidate("a", addr), sha1, 0, file.length, "t1"));
                s.close();
                fail("a server with DC c's certificate was accepted as DC a");
            } catch (ExecutionException e) {
                assertTrue(String.valueOf(e.getCause().getMessage()).contains("DC c"), e.getCause().toString());
            }
            // The same server is fine as the DC it is, and its bytes arrive whole.
            PeerFetcher.SourceStream ok = onContext(ctx,
                    () -> fetcher.open(new SourceCandidate("c", addr), sha1, 0, file.length, "t2"));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
            ctx.runOnContext(v -> {
                ok.body().handler(buf -> {
                    got.writeBytes(buf.getBytes());
                    ok.release(buf);
                }).exceptionHandler(ended::completeExceptionally).endHandler(x -> ended.complete(null));
                ok.body().resume();
            });
            ended.get(10, TimeUnit.SECONDS);
            assertArrayEquals(file, got.toByteArray());
            ok.close();
        } finally {
            peers.close();
            server.close();
        }
    }

    private static <T> T onContext(io.vertx.core.Context ctx, java.util.function.Supplier<io.vertx.core.Future<T>> call)
            throws Exception {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        ctx.runOnContext(v -> call.get().onComplete(ar -> {
            if (ar.succeeded()) {
                f.complete(ar.result());
            } else {
                f.completeExceptionally(ar.cause());
            }
        }));
        return f.get(10, TimeUnit.SECONDS);
    }
}
