package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.RawHttp;
import io.imgfed.replicator.testkit.TestDaemon;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits against hostile clients: slow headers, huge headers and bodies, path traversal, no internals in errors. */
class SecurityHardeningTest {
    private static final long HEADER_TIMEOUT_MS = 2000;

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    static byte[] file;
    static String uuid;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start(dir.resolve("data"),
                "http: {headerTimeout: 2s, maxBody: 64KiB}\npeer: {headerTimeout: 2s}\n");
        api = daemon.client();
        file = new byte[10_000];
        new Random(5).nextBytes(file);
        uuid = api.activeImage("hardening", file);
        // A file beside data.dir that traversal would love to reach.
        Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET-CONTENT\n");
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String raw(int port, String head) throws Exception {
        return RawHttp.exchange("127.0.0.1", port, head, null, false, 5000);
    }

    private static int status(String rawAnswer) {
        assertTrue(rawAnswer.startsWith("HTTP/1.1 ") || rawAnswer.startsWith("HTTP/1.0 "), "an HTTP answer: " + rawAnswer);
        return Integer.parseInt(rawAnswer.substring(9, 12));
    }

    private static String body(String rawAnswer) {
        int i = rawAnswer.indexOf("\r\n\r\n");
        return i < 0 ? "" : rawAnswer.substring(i + 4);
    }

    /**
     * Sends {@code head} one byte every {@code intervalMs} (never finishing it) and returns how long after connecting
     * the server closed the connection, or -1 if it still had not after {@code giveUpMs}.
     */
    private static long slowSend(int port, String head, long intervalMs, long giveUpMs) throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (Socket s = new Socket("127.0.0.1", port)) {
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
            AtomicInteger next = new AtomicInteger();
            trickle.scheduleAtFixedRate(() -> {
                int i = next.getAndIncrement();
                if (i < bytes.length) {
                    try {
                        out.write(bytes[i]);
                        out.flush();
                    } catch (java.io.IOException closed) {
                        // the server hung up: what we wait for
                    }
                }
            }, 0, intervalMs, TimeUnit.MILLISECONDS);
            s.setSoTimeout((int) giveUpMs);
            InputStream in = s.getInputStream();
            StringBuilder got = new StringBuilder();
            try {
                int b;
                while ((b = in.read()) >= 0) {
                    got.append((char) b);
                }
            } catch (SocketTimeoutException e) {
                return -1;
            } catch (SocketException reset) {
                // closed with a reset: also closed
            }
            assertFalse(got.toString().startsWith("HTTP/1.1 2"), "no answer to an unfinished request: " + got);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void slowHeadersAreCutOffAfterTheHeaderTimeout() throws Exception {
        String head = "GET /images HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(200) + "\r\n";
        for (int port : new int[] {daemon.daemon().httpPort(), daemon.daemon().peerPort()}) {
            long closedAfter = slowSend(port, head, 500, HEADER_TIMEOUT_MS + 6000);
            assertTrue(closedAfter >= 0, "port " + port + ": a slowloris connection was still open after "
                    + (HEADER_TIMEOUT_MS + 6000) + " ms");
            assertTrue(closedAfter >= HEADER_TIMEOUT_MS - 200 && closedAfter <= HEADER_TIMEOUT_MS + 3000,
                    "port " + port + ": closed after " + closedAfter + " ms, header timeout " + HEADER_TIMEOUT_MS);
        }
        // A connection that sends its request at once is served, and the listener is fine.
        assertEquals(200, api.get("/ping").status());
    }

    @Test
    void hugeHeadersAndRequestLinesAreRefusedAndTheServerStaysUp() throws Exception {
        int port = daemon.daemon().httpPort();
        String big = raw(port, "GET /ping HTTP/1.1\nHost: 127.0.0.1\nX-Big: " + "a".repeat(20 * 1024) + "\nConnection: close\n\n");
        int st = big.isEmpty() ? -1 : status(big);
        assertTrue(st == 431 || st == 400, "a 20 KiB header: " + big.lines().findFirst().orElse("(nothing)"));
        String many = "GET /ping HTTP/1.1\nHost: 127.0.0.1\n" + "X-H: 0123456789012345678901234567890123456789\n".repeat(500)
                + "Connection: close\n\n";
        int st2 = status(raw(port, many));
        assertTrue(st2 == 431 || st2 == 400, "500 headers: " + st2);
        String longLine = raw(port, "GET /images?name=" + "n".repeat(10 * 1024) + " HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n");
        int st3 = status(longLine);
        assertTrue(st3 == 414 || st3 == 400, "a 10 KiB request line: " + st3);
        assertEquals(200, api.get("/ping").status(), "still serving");
        assertEquals(200, api.get("/images/" + uuid).status());
    }

    /** RFC 9112 3.2: an HTTP/1.1 request without Host is the client's error (400), on both listeners, never a 500. */
    @Test
    void aRequestWithoutHostIs400WithTheImgapiErrorBody() throws Exception {
        for (int port : new int[] {daemon.daemon().httpPort(), daemon.daemon().peerPort()}) {
            for (String path : new String[] {"/ping", "/images", "/peer/v1/ping", "/images/" + uuid + "/file"}) {
                String answer = raw(port, "GET " + path + " HTTP/1.1\nConnection: close\n\n");
                assertEquals(400, status(answer), port + " " + path + ": " + answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), answer);
                JsonNode err = Json.tree(body(answer).getBytes(StandardCharsets.ISO_8859_1));
                assertEquals("BadRequest", err.path("code").asText(), port + " " + path + ": " + answer);
                assertEquals("Host", err.path("errors").path(0).path("field").asText(), port + " " + path + ": " + answer);
                assertNoInternals(body(answer));
            }
        }
        // HTTP/1.0 has no Host requirement; such a request is served.
        assertEquals(200, status(raw(daemon.daemon().httpPort(), "GET /ping HTTP/1.0\n\n")));
        assertEquals(200, api.get("/ping").status(), "still serving");
    }

    @Test
    void bodiesOverTheLimitGet413() {
        String huge = "{\"name\": \"" + "x".repeat(100 * 1024) + "\"}";
        ImgapiClient.Response r = api.post("/images", huge);
        assertEquals(413, r.status(), r.toString());
        assertEquals("RequestEntityTooLarge", r.code());
        assertEquals(200, api.get("/ping").status());
    }

    @Test
    void pathTraversalFindsNothing() throws Exception {
        int http = daemon.daemon().httpPort();
        int peer = daemon.daemon().peerPort();
        String sha1 = ImgapiClient.sha1(file);
        List<String> paths = List.of(
                "/images/../../etc/passwd",
                "/images/..%2f..%2fetc%2fpasswd",
                "/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "/images/%2e%2e/%2e%2e/secret.txt",
                "/images/..%2f..%2fsecret.txt/file",
                "/images/" + uuid + "/file/../../../secret.txt",
                "/images/" + uuid + "%2f..%2f..%2fsecret.txt",
                "/images/..%5c..%5csecret.txt",
                "/images/%252e%252e%252fsecret.txt/file",
                "/../../../../etc/passwd",
                "/%2e%2e/%2e%2e/etc/passwd",
                "/blobs/" + sha1.substring(0, 2) + "/" + sha1,
                "/data/blobs/" + sha1);
        for (int port : new int[] {http, peer}) {
            for (String p : paths) {
                check(port, p);
            }
        }
        for (String p : List.of(
                "/peer/v1/files/../../x",
                "/peer/v1/files/..%2f..%2fsecret.txt",
                "/peer/v1/files/%2e%2e%2f%2e%2e%2fsecret.txt",
                "/peer/v1/files/" + sha1 + "%2f..%2f..%2f..%2fsecret.txt",
                "/peer/v1/files/" + sha1 + "/../../../../secret.txt",
                "/peer/v1/files/" + sha1.toUpperCase(java.util.Locale.ROOT),
                "/peer/v1/files/" + sha1 + ".tmp",
                "/peer/v1/files/catalog.db")) {
            check(peer, p);
        }
        // The upload's digest parameter cannot name a path either.
        String created = api.create(ImgapiClient.manifest("traversal", "1.0.0"));
        ImgapiClient.Response up = api.put("/images/" + created + "/file?compression=none&sha1=..%2F..%2Fsecret.txt",
                "overwrite".getBytes(StandardCharsets.US_ASCII));
        assertTrue(up.status() >= 400 && up.status() < 500, up.toString());
        assertEquals("TOP-SECRET-CONTENT\n", Files.readString(dir.resolve("secret.txt")));
        // And the real file is still served where it belongs.
        assertEquals(200, api.get("/images/" + uuid + "/file").status());
    }

    private static void check(int port, String path) throws Exception {
        String answer = raw(port, "GET " + path + " HTTP/1.1\nHost: 127.0.0.1\nX-Imgfed-Dc: test\nConnection: close\n\n");
        int st = status(answer);
        assertTrue(st == 404 || st == 400, port + " " + path + ": " + answer);
        String body = body(answer);
        assertFalse(body.contains("root:") || body.contains("TOP-SECRET") || body.contains("SQLite"), path + ": " + answer);
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), path + ": " + answer);
        JsonNode err = Json.tree(body.getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(err.path("code").asText().equals("ResourceNotFound") || err.path("code").asText().equals("BadRequest"),
                path + ": " + answer);
        assertFalse(answer.length() > 2000, path + ": a short error, not a file: " + answer.length() + " bytes");
    }

    @Test
    void malformedRequestsShowNoInternals() {
        for (ImgapiClient.Response r : List.of(
                api.post("/images", "{not json"),
                api.post("/images", "[1,2,3]"),
                api.post("/images", "{\"name\": \"" + "\\ud800" + "\"}"),
                api.post("/images/" + uuid + "?action=update", "{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}"),
                api.get("/images?limit=99999999999999999999"),
                api.get("/federation/availability?uuid=" + "a".repeat(5000)))) {
            assertTrue(r.status() >= 400 && r.status() < 500, r.toString());
            assertNoInternals(r.text());
        }
    }

    @Test
    void badUrlEncodingShowsNoInternals() throws Exception {
        int port = daemon.daemon().httpPort();
        for (String p : new String[] {"/images?marker=%ZZ", "/images/" + uuid + "/file?x=%", "/images/%ZZ",
            "/images?account=%00", "/images?account=%ZZ"}) {
            String answer = raw(port, "GET " + p + " HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n");
            int st = status(answer);
            assertTrue(st >= 400 && st < 500, p + ": " + answer);
            assertNoInternals(body(answer));
        }
    }

    static void assertNoInternals(String body) {
        for (String leak : new String[] {"Exception", "\tat ", "at io.", "at java.", "com.fasterxml", "io.vertx", "io.imgfed.",
            "java.lang", "Source: ", "line: "}) {
            assertFalse(body.contains(leak), "the answer shows internals (" + leak + "): " + body);
        }
    }

    @Test
    void aServerErrorCarriesNoStackTraceOrDetails() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Router router = ClientApi.router(vertx);
            router.get("/boom").handler(ctx -> {
                throw new IllegalStateException("db password is hunter2 at /var/lib/imgfed/catalog.db");
            });
            router.get("/async-boom").handler(ctx -> ctx.fail(new NullPointerException("secret detail")));
            router.get("/status-boom").handler(ctx -> ctx.fail(500));
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            ImgapiClient c = new ImgapiClient("http://127.0.0.1:" + server.actualPort());
            for (String p : new String[] {"/boom", "/async-boom", "/status-boom"}) {
                ImgapiClient.Response r = c.get(p);
                assertEquals(500, r.status(), p + ": " + r);
                assertEquals("InternalError", r.code(), p);
                assertTrue(r.header("Content-Type").startsWith("application/json"), p);
                assertNoInternals(r.text());
                for (String secret : new String[] {"hunter2", "catalog.db", "secret detail", "IllegalState", "NullPointer"}) {
                    assertFalse(r.text().contains(secret), p + " leaks " + secret + ": " + r.text());
                }
                assertTrue(r.text().contains(r.header("X-Request-Id")) || p.equals("/status-boom"),
                        "the answer names the request id for the logs: " + r.text());
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
