package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream's image is fetched from the upstream once for the whole federation: the first DC to need it
 * fetches it, publishes the tag and its blobs in its signed records, and every other DC serves the tag from
 * those records and pulls the blobs from that DC (verified, billed), not from the upstream.
 */
class OciMirrorFederationTest {
    @TempDir
    Path dir;
    UpstreamRegistry upstream;
    TestFederation fed;

    @AfterEach
    void stop() throws Exception {
        if (fed != null) {
            fed.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void anUpstreamImageIsFetchedOnceForTheFederation() throws Exception {
        assumeTrue(UpstreamRegistry.installed(), "docker-registry is not installed (ops/ci/prepare installs it from Debian)");
        upstream = UpstreamRegistry.start(dir.resolve("upstream"));
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = new byte[8 << 20];
        new Random(5).nextBytes(layer);
        String configDigest = upstream.pushBlob("team/shared", config);
        String layerDigest = upstream.pushBlob("team/shared", layer);
        byte[] manifest = OciClient.imageManifest(configDigest, config.length, layerDigest, String.valueOf(layer.length));
        assertEquals(201, new OciClient(upstream.url()).send("PUT", "/v2/team/shared/manifests/1.0", manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());

        fed = TestFederation.withConfig(dir.resolve("fed"), "oci:\n  upstreams:\n    up:\n      url: " + upstream.url()
                + "\n      names: [\"" + upstream.host() + "\"]\n", "a", "c");
        OciClient a = new OciClient(fed.dc("a").url());
        OciClient c = new OciClient(fed.dc("c").url());
        assertArrayEquals(manifest, a.send("GET", "/v2/team/shared/manifests/1.0?ns=" + upstream.host(), null).body());
        assertEquals(layerDigest, OciClient.digest(a.send("GET", "/v2/up/team/shared/blobs/" + layerDigest, null).body()));
        assertEquals(configDigest, OciClient.digest(a.send("GET", "/v2/up/team/shared/blobs/" + configDigest, null).body()),
                "a client reads the config too: a then holds the whole image");

        Await.until("c knows a holds the whole image", Duration.ofSeconds(60), () -> {
            OciClient.Response av = c.send("GET", "/federation/availability?oci=up/team/shared:1.0", null);
            return av.status() == 200 && av.json().path("dcs").path("a").path("state").asText().equals("present");
        });
        OciClient.Response tag = c.send("GET", "/v2/team/shared/manifests/1.0?ns=" + upstream.host(), null);
        assertEquals(200, tag.status());
        assertArrayEquals(manifest, tag.body());
        assertEquals("cached", tag.header("X-Imgfed-Upstream"), "served from a's record");
        OciClient.Response blob = c.send("GET", "/v2/up/team/shared/blobs/" + layerDigest, null);
        assertEquals(200, blob.status());
        assertEquals(layerDigest, OciClient.digest(blob.body()));
        assertEquals("a", blob.header("X-Imgfed-Source"), "pulled from DC a");

        assertEquals(1, upstream.requests("GET /v2/team/shared/manifests/1.0"), "the upstream saw one tag fetch");
        assertEquals(1, upstream.requests("GET /v2/team/shared/blobs/" + layerDigest), "and one layer fetch");
    }
}
