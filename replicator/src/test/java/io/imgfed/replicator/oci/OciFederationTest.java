package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tag pushed to DC a's registry is visible in DC b through the signed records, with the same manifest bytes;
 * b pulls a blob it lacks from a on first use, once for all concurrent readers, verified, and then holds it; a
 * tag moved or deleted in a moves or goes in b.
 */
class OciFederationTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static TestFederation fed;
    static OciClient a;
    static OciClient b;

    @BeforeAll
    static void start() {
        fed = TestFederation.start(dir, "a", "b");
        a = new OciClient(fed.dc("a").url());
        b = new OciClient(fed.dc("b").url());
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] push(OciClient to, String repo, String tag, byte[] layer) {
        byte[] configBytes = ("{\"os\":\"linux\",\"seed\":" + layer.length + "}").getBytes(StandardCharsets.UTF_8);
        String config = to.pushBlob(repo, configBytes);
        String layerDigest = to.pushBlob(repo, layer);
        byte[] manifest = OciClient.imageManifest(config, configBytes.length, layerDigest, String.valueOf(layer.length));
        OciClient.Response put = to.send("PUT", "/v2/" + repo + "/manifests/" + tag, manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertEquals(201, put.status(), new String(put.body()));
        return manifest;
    }

    private static void awaitManifest(OciClient at, String repo, String tag, byte[] manifest) {
        Await.until("the tag " + repo + ":" + tag + " with the pushed manifest", CONVERGE, () -> {
            OciClient.Response r = at.send("GET", "/v2/" + repo + "/manifests/" + tag, null);
            return r.status() == 200 && Arrays.equals(manifest, r.body());
        });
    }

    @Test
    void aTagPushedInOneDcIsPulledInAnotherWithItsBlobsPulledOnce() throws Exception {
        byte[] layer = random(6 << 20, 1);
        byte[] manifest = push(a, "team/app", "1.0", layer);
        awaitManifest(b, "team/app", "1.0", manifest);
        OciClient.Response got = b.send("GET", "/v2/team/app/manifests/1.0", null);
        assertEquals("application/vnd.oci.image.manifest.v1+json", got.header("Content-Type"));
        assertEquals(OciClient.digest(manifest), got.header("Docker-Content-Digest"));
        assertEquals("[\"1.0\"]", b.send("GET", "/v2/team/app/tags/list", null).json().path("tags").toString());

        String layerDigest = got.json().path("layers").path(0).path("digest").asText();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<OciClient.Response>> readers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                readers.add(pool.submit(() -> b.send("GET", "/v2/team/app/blobs/" + layerDigest, null)));
            }
            int pulled = 0;
            for (Future<OciClient.Response> f : readers) {
                OciClient.Response r = f.get();
                assertEquals(200, r.status(), new String(r.body(), StandardCharsets.UTF_8));
                assertArrayEquals(layer, r.body());
                if ("miss".equals(r.header("X-Imgfed-Cache"))) {
                    pulled++;
                }
            }
            assertTrue(pulled <= 1, "one pull for all readers, " + pulled + " started one");
        } finally {
            pool.shutdownNow();
        }
        Await.until("b holding every blob of team/app:1.0, as b's availability says", CONVERGE, () -> {
            OciClient.Response av = b.send("GET", "/federation/availability?oci=team/app:1.0", null);
            return av.status() == 200 && av.json().path("dcs").path("a").path("state").asText().equals("present")
                    && !av.json().path("dcs").path("b").path("state").asText().equals("absent");
        });
        OciClient.Response range = b.send("GET", "/v2/team/app/blobs/" + layerDigest, null, "Range", "bytes=10-19");
        assertEquals(206, range.status());
        assertArrayEquals(Arrays.copyOfRange(layer, 10, 20), range.body(), "now served from b's store");
    }

    @Test
    void aTagMovedOrDeletedInItsDcMovesOrGoesEverywhere() {
        byte[] first = push(a, "team/moving", "stable", random(1000, 2));
        awaitManifest(b, "team/moving", "stable", first);
        byte[] second = push(a, "team/moving", "stable", random(2000, 3));
        awaitManifest(b, "team/moving", "stable", second);
        assertEquals("absent", b.send("GET", "/federation/availability?oci=team/moving:stable", null).json()
                .path("dcs").path("b").path("state").asText(), "b has pulled nothing of it");
        assertEquals("present", a.send("GET", "/federation/availability?oci=team/moving@" + OciClient.digest(second),
                null).json().path("dcs").path("a").path("state").asText());
        assertEquals("MANIFEST_UNKNOWN", b.send("GET", "/federation/availability?oci=team/moving:nope", null).errorCode());
        assertEquals(202, a.send("DELETE", "/v2/team/moving/manifests/stable", null).status());
        Await.until("the deleted tag gone from b", CONVERGE,
                () -> "MANIFEST_UNKNOWN".equals(b.send("GET", "/v2/team/moving/manifests/stable", null).errorCode())
                        || b.send("GET", "/v2/team/moving/manifests/stable", null).status() == 404);
    }
}
