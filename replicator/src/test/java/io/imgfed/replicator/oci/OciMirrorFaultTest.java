package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.devtools.DelayProxy;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror under upstream faults: connections that break mid-blob are resumed with {@code Range} where they
 * stopped; an upstream killed mid-blob is resumed when it comes back; an upstream that sends bytes that are not
 * the digest asked gets nothing stored and the client a clear 503.
 */
class OciMirrorFaultTest {
    @TempDir
    Path dir;
    UpstreamRegistry upstream;
    DelayProxy proxy;
    TestDaemon daemon;
    OciClient client;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(UpstreamRegistry.installed(), "docker-registry is not installed (ops/ci/prepare installs it from Debian)");
        upstream = UpstreamRegistry.start(dir.resolve("upstream"));
        URI u = URI.create(upstream.url());
        proxy = DelayProxy.start(u.getHost(), u.getPort(), Duration.ZERO);
        daemon = TestDaemon.start(dir.resolve("data"), "oci:\n  upstreams:\n    up:\n      url: http://"
                + proxy.address() + "\n");
        client = new OciClient(daemon.url());
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void connectionsThatBreakMidBlobAreResumedWhereTheyStopped() throws Exception {
        byte[] layer = random(8 << 20, 11);
        String digest = upstream.pushBlob("team/flaky", layer);
        proxy.dropEachConnectionAfter(3 << 20);
        OciClient.Response r = client.send("GET", "/v2/up/team/flaky/blobs/" + digest, null);
        assertEquals(200, r.status(), () -> new String(r.body()) + "\n" + upstream.log());
        assertEquals(digest, OciClient.digest(r.body()));
        assertTrue(upstream.requests("GET /v2/team/flaky/blobs/" + digest) >= 3,
                "fetched in several connections, each resuming where the last broke");
    }

    @Test
    void anUpstreamKilledMidBlobIsResumedWhenItComesBack() throws Exception {
        byte[] layer = random(8 << 20, 12);
        String digest = upstream.pushBlob("team/dying", layer);
        proxy.bandwidth(1 << 20);
        CompletableFuture<OciClient.Response> pull = CompletableFuture.supplyAsync(
                () -> client.send("GET", "/v2/up/team/dying/blobs/" + digest, null));
        Await.until("the first MiB fetched", Duration.ofSeconds(60), () -> {
            for (var t : daemon.client().get("/transfers").json()) {
                if (t.path("id").asText().equals("fetch:" + digest) && t.path("bytes").asLong() >= 1 << 20) {
                    return true;
                }
            }
            return false;
        });
        upstream.kill();
        proxy.bandwidth(0);
        upstream.startAgain();
        OciClient.Response r = pull.get();
        assertEquals(200, r.status(), new String(r.body()));
        assertEquals(digest, OciClient.digest(r.body()));
    }

    @Test
    void bytesThatAreNotTheDigestAreNeverStoredOrServed() throws Exception {
        byte[] layer = random(1 << 20, 13);
        String digest = upstream.pushBlob("team/rotten", layer);
        // the upstream's disk rots: same size, other bytes (it serves what it has without checking)
        Path data;
        try (Stream<Path> files = Files.walk(dir.resolve("upstream/storage"))) {
            data = files.filter(p -> p.toString().endsWith(digest.substring(7) + "/data")).findFirst().orElseThrow();
        }
        Files.write(data, random(1 << 20, 14));

        OciClient.Response r = client.send("GET", "/v2/up/team/rotten/blobs/" + digest, null);
        assertEquals(503, r.status());
        assertEquals("UNAVAILABLE", r.errorCode());
        assertTrue(r.json().path("errors").path(0).path("message").asText().contains("nothing was stored"),
                new String(r.body()));
        assertEquals(404, client.send("HEAD", "/v2/team/rotten/blobs/" + digest, null).status(),
                "no trace of it in the registry");
        try (Stream<Path> temp = Files.walk(dir.resolve("data"))) {
            assertTrue(temp.noneMatch(p -> Files.isRegularFile(p) && sizeIs(p, 1 << 20)), "and no file of its size left");
        }
    }

    private static boolean sizeIs(Path p, long size) {
        try {
            return Files.size(p) == size;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
