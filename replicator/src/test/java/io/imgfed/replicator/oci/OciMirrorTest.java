package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI front as a mirror of an upstream registry (Debian's CNCF registry on loopback): both ways clients
 * name the upstream (containerd's {@code ?ns=}, the path form of CRI-O, podman and skopeo), one upstream fetch
 * for many concurrent cold clients (counted by the upstream's own access log), tags served from the cache while
 * the upstream is down, and a fast, clear failure for what is not cached.
 */
class OciMirrorTest {
    @TempDir
    Path dir;
    UpstreamRegistry upstream;
    TestDaemon daemon;
    String registry;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(UpstreamRegistry.installed(), "docker-registry is not installed (ops/ci/prepare installs it from Debian)");
        upstream = UpstreamRegistry.start(dir.resolve("upstream"));
    }

    private void startDaemon(String revalidate) {
        daemon = TestDaemon.start(dir.resolve("data"), "oci:\n  upstreams:\n    up:\n      url: " + upstream.url()
                + "\n      names: [\"" + upstream.host() + "\"]\n  revalidate: " + revalidate + "\n  upstreamFailures: 2\n");
        URI u = URI.create(daemon.url());
        registry = u.getHost() + ":" + u.getPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private String skopeo(String... args) throws Exception {
        Files.writeString(dir.resolve("no-registries.conf"), "");
        List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy",
                "--registries-conf=" + dir.resolve("no-registries.conf")));
        cmd.addAll(List.of(args));
        return OciLayout.run(cmd.toArray(String[]::new));
    }

    @Test
    void clientsPullThroughTheMirrorByPathAndByNs() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed (ops/ci/prepare installs it)");
        startDaemon("5m");
        Path layout = dir.resolve("layout");
        OciLayout.Image image = OciLayout.write(layout, "1.0", 31, 2 << 20, 30_000);
        skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":1.0", "docker://" + upstream.host() + "/team/app:1.0");

        // CRI-O, podman and skopeo: the upstream's id first in the path
        Path out = dir.resolve("out");
        skopeo("copy", "--src-tls-verify=false", "docker://" + registry + "/up/team/app:1.0", "oci:" + out + ":1.0");
        for (String layer : image.layerDigests()) {
            assertArrayEquals(Files.readAllBytes(layout.resolve("blobs/sha256/" + layer.substring(7))),
                    Files.readAllBytes(out.resolve("blobs/sha256/" + layer.substring(7))), "layer " + layer);
        }

        // containerd: the plain name and ?ns=<the upstream as the client knows it>
        OciClient client = new OciClient(daemon.url());
        OciClient.Response head = client.send("HEAD", "/v2/team/app/manifests/1.0?ns=" + upstream.host(), null,
                "Accept", "application/vnd.oci.image.manifest.v1+json", "Accept", "application/vnd.oci.image.index.v1+json");
        assertEquals(200, head.status());
        assertEquals(image.manifestDigest(), head.header("Docker-Content-Digest"));
        assertEquals("cached", head.header("X-Imgfed-Upstream"), "fetched once, then served from the cache");
        assertEquals(1, upstream.requests("GET /v2/team/app/manifests/1.0"), "one upstream fetch of the tag");
        for (String layer : image.layerDigests()) {
            OciClient.Response blob = client.send("GET", "/v2/team/app/blobs/" + layer + "?ns=" + upstream.host(), null);
            assertEquals(200, blob.status());
            assertEquals(layer, OciClient.digest(blob.body()));
            assertEquals(1, upstream.requests("GET /v2/team/app/blobs/" + layer), "each blob fetched once");
        }

        // a mirror is read-only; an ns no upstream is configured for is 404 (containerd tries its next host)
        OciClient.Response push = client.send("POST", "/v2/up/team/app/blobs/uploads/", null);
        assertEquals(403, push.status());
        assertEquals("DENIED", push.errorCode());
        OciClient.Response unknown = client.send("GET", "/v2/team/app/manifests/1.0?ns=elsewhere.example", null);
        assertEquals(404, unknown.status());
        assertEquals("NAME_UNKNOWN", unknown.errorCode());
        OciClient.Response missing = client.send("GET", "/v2/up/team/app/manifests/9.9", null);
        assertEquals(404, missing.status());
        assertEquals("MANIFEST_UNKNOWN", missing.errorCode());
    }

    @Test
    void mirroredBlobsAreACacheThatEvictionMayTakeAndTheMirrorFetchesAgain() throws Exception {
        daemon = TestDaemon.start(dir.resolve("data"), "data:\n  capacity: 7MiB\noci:\n  upstreams:\n    up:\n"
                + "      url: " + upstream.url() + "\n");
        OciClient client = new OciClient(daemon.url());
        byte[] first = new byte[4 << 20];
        byte[] second = new byte[4 << 20];
        new Random(21).nextBytes(first);
        new Random(22).nextBytes(second);
        String a = upstream.pushBlob("team/cache", first);
        String b = upstream.pushBlob("team/cache", second);
        assertArrayEquals(first, client.send("GET", "/v2/up/team/cache/blobs/" + a, null).body());
        OciClient.Response r = client.send("GET", "/v2/up/team/cache/blobs/" + b, null);
        assertEquals(200, r.status(), "room made by evicting the first, a cache: " + new String(r.body()));
        assertArrayEquals(second, r.body());
        assertArrayEquals(first, client.send("GET", "/v2/up/team/cache/blobs/" + a, null).body(),
                "the evicted blob is fetched again");
        assertEquals(2, upstream.requests("GET /v2/team/cache/blobs/" + a));
        assertEquals(1, upstream.requests("GET /v2/team/cache/blobs/" + b));

        // pushed to a repository of this DC's own, the fetched blob is committed again as pushed (no longer a cache)
        OciClient.Response full = client.send("POST", "/v2/team/own/blobs/uploads/?digest=" + b, second,
                "Content-Type", "application/octet-stream");
        assertEquals(201, full.status(), new String(full.body()));
    }

    @Test
    void pinnedBlobsStayThroughEvictionUntilUnpinned() throws Exception {
        daemon = TestDaemon.start(dir.resolve("data"), "data:\n  capacity: 7MiB\noci:\n  upstreams:\n    up:\n"
                + "      url: " + upstream.url() + "\n");
        OciClient client = new OciClient(daemon.url());
        OciClient up = new OciClient(upstream.url());
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes();
        byte[] kept = new byte[4 << 20];
        byte[] other = new byte[4 << 20];
        new Random(31).nextBytes(kept);
        new Random(32).nextBytes(other);
        String configDigest = upstream.pushBlob("team/pinned", config);
        String keptDigest = upstream.pushBlob("team/pinned", kept);
        String otherDigest = upstream.pushBlob("team/other", other);
        assertEquals(201, up.send("PUT", "/v2/team/pinned/manifests/1.0", OciClient.imageManifest(configDigest,
                config.length, keptDigest, String.valueOf(kept.length)),
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());

        assertEquals(0, io.imgfed.replicator.cli.Main.run("replicate", "--oci", "up/team/pinned:1.0", "--pin", "--wait",
                "--interval", "0.2", "--url", daemon.url()));
        OciClient.Response full = client.send("GET", "/v2/up/team/other/blobs/" + otherDigest, null);
        assertEquals(503, full.status(), "the pinned blob is not evicted to make room: " + new String(full.body()));
        assertEquals("UNAVAILABLE", full.errorCode());

        assertEquals(0, io.imgfed.replicator.cli.Main.run("replicate", "--oci", "up/team/pinned:1.0", "--unpin",
                "--url", daemon.url()));
        OciClient.Response r = Await.value("room once unpinned", Duration.ofSeconds(60), () -> {
            OciClient.Response x = client.send("GET", "/v2/up/team/other/blobs/" + otherDigest, null);
            return x.status() == 200 ? x : null;
        });
        assertArrayEquals(other, r.body());
        assertEquals(1, upstream.requests("GET /v2/team/pinned/blobs/" + keptDigest), "fetched once, by the prefetch");
    }

    @Test
    void twentyConcurrentColdPullsOfA256MiBLayerCauseOneUpstreamGet() throws Exception {
        startDaemon("5m");
        byte[] layer = new byte[256 << 20];
        new Random(7).nextBytes(layer);
        String digest = upstream.pushBlob("big/layer", layer);
        layer = null;

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<String>> pulls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String form = i % 2 == 0 ? "/v2/up/big/layer/blobs/" + digest
                        : "/v2/big/layer/blobs/" + digest + "?ns=" + upstream.host();
                Callable<String> pull = () -> {
                    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(daemon.url() + form))
                            .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
                    assertEquals(200, r.statusCode());
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = r.body()) {
                        byte[] buf = new byte[1 << 16];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            sha.update(buf, 0, n);
                        }
                    }
                    return "sha256:" + HexFormat.of().formatHex(sha.digest());
                };
                pulls.add(pool.submit(pull));
            }
            for (Future<String> p : pulls) {
                assertEquals(digest, p.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, upstream.requests("GET /v2/big/layer/blobs/" + digest),
                "the upstream's access log shows one GET of the layer for 20 cold clients");
    }

    @Test
    void whileTheUpstreamIsDownCachedTagsStillPullAndUncachedOnesFailFast() throws Exception {
        startDaemon("1s");
        OciClient up = new OciClient(upstream.url());
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes();
        byte[] layer = new byte[1 << 20];
        new Random(3).nextBytes(layer);
        String configDigest = upstream.pushBlob("team/down", config);
        String layerDigest = upstream.pushBlob("team/down", layer);
        byte[] manifest = OciClient.imageManifest(configDigest, config.length, layerDigest, String.valueOf(layer.length));
        for (String tag : List.of("cached", "never-pulled")) {
            assertEquals(201, up.send("PUT", "/v2/team/down/manifests/" + tag, manifest,
                    "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        }
        OciClient client = new OciClient(daemon.url());
        assertEquals(200, client.send("GET", "/v2/up/team/down/manifests/cached", null).status());
        assertEquals(200, client.send("GET", "/v2/up/team/down/blobs/" + layerDigest, null).status());

        upstream.kill();
        // once the tag is older than oci.revalidate, the upstream is asked, fails, and the cache answers
        OciClient.Response stale = Await.value("the cached tag served stale", Duration.ofSeconds(60), () -> {
            OciClient.Response r = client.send("GET", "/v2/up/team/down/manifests/cached", null);
            return "stale".equals(r.header("X-Imgfed-Upstream")) ? r : null;
        });
        assertEquals(200, stale.status());
        assertArrayEquals(manifest, stale.body());
        assertEquals(200, client.send("GET", "/v2/up/team/down/blobs/" + layerDigest, null).status(),
                "its blobs are here");

        OciClient.Response uncached = client.send("GET", "/v2/up/team/down/manifests/never-pulled", null);
        assertEquals(503, uncached.status(), "not 429, not a hang: containerd tries its next host");
        assertEquals("UNAVAILABLE", uncached.errorCode());

        String metrics = new String(client.send("GET", "/metrics", null).body());
        assertTrue(metrics.contains("imgfed_oci_upstream_fetches_total{kind=\"manifest\",outcome=\"stale\",upstream=\"up\"}"),
                metrics);

        // after oci.upstreamFailures (2) failures in a row the upstream is in the error state, in /transfers
        com.fasterxml.jackson.databind.JsonNode row = Await.value("the upstream in the error state", Duration.ofMinutes(1),
                () -> {
                    client.send("GET", "/v2/up/team/down/manifests/never-pulled", null);
                    for (com.fasterxml.jackson.databind.JsonNode t : daemon.client().get("/transfers").json()) {
                        if ("upstream:up".equals(t.path("id").asText()) && "error".equals(t.path("state").asText())) {
                            return t;
                        }
                    }
                    return null;
                });
        assertEquals("upstream", row.path("kind").asText());
        assertTrue(row.path("attempts").asInt() >= 2, row.toString());
        assertTrue(row.path("error").asText().contains("could not be reached"), row.toString());

        // the upstream returns: after its backoff the tag is fetched again
        upstream.startAgain();
        Await.until("the tag fetched from the upstream again", Duration.ofMinutes(2), () -> {
            OciClient.Response r = client.send("GET", "/v2/up/team/down/manifests/never-pulled", null);
            return r.status() == 200;
        });
        Await.until("the error state cleared", Duration.ofMinutes(1), () -> {
            for (com.fasterxml.jackson.databind.JsonNode t : daemon.client().get("/transfers").json()) {
                if ("upstream:up".equals(t.path("id").asText())) {
                    return false;
                }
            }
            return true;
        });
    }
}
