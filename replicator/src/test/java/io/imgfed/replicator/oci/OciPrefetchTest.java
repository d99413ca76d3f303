package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.cli.Main;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator brings an upstream's multi-platform image into DC c ahead of its first pull, asking DC a's API
 * ({@code imgfed replicate --oci ... --platform linux/amd64 --dc c --wait}): c fetches the index, the amd64
 * manifest and its blobs (the arm64 ones are left), and the nodes' pull then finds everything in c.
 */
class OciPrefetchTest {
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

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** An image manifest for one platform, its blobs pushed; returns its bytes and layer digest. */
    private String[] pushImage(OciClient up, String arch, long seed) {
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = random(2 << 20, seed);
        String c = upstream.pushBlob("team/multi", config);
        String l = upstream.pushBlob("team/multi", layer);
        byte[] manifest = OciClient.imageManifest(c, config.length, l, String.valueOf(layer.length));
        String digest = OciClient.digest(manifest);
        assertEquals(201, up.send("PUT", "/v2/team/multi/manifests/" + digest, manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        return new String[] {digest, String.valueOf(manifest.length), l};
    }

    @Test
    void replicateBringsOnePlatformOfAnUpstreamIndexIntoAnotherDc() throws Exception {
        assumeTrue(UpstreamRegistry.installed(), "docker-registry is not installed (ops/ci/prepare installs it from Debian)");
        upstream = UpstreamRegistry.start(dir.resolve("upstream"));
        OciClient up = new OciClient(upstream.url());
        String[] amd = pushImage(up, "amd64", 1);
        String[] arm = pushImage(up, "arm64", 2);
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + amd[0] + "\",\"size\":"
                + amd[1] + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + arm[0] + "\",\"size\":"
                + arm[1] + ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}]}").getBytes(StandardCharsets.UTF_8);
        assertEquals(201, up.send("PUT", "/v2/team/multi/manifests/1.0", index,
                "Content-Type", "application/vnd.oci.image.index.v1+json").status());

        fed = TestFederation.withConfig(dir.resolve("fed"), "oci:\n  upstreams:\n    up:\n      url: " + upstream.url()
                + "\n", "a", "c");
        assertEquals(0, Main.run("replicate", "--oci", "up/team/multi:1.0", "--platform", "linux/amd64", "--dc", "c",
                "--wait", "--interval", "0.2", "--url", fed.dc("a").url()), "replicate --wait succeeds once c has it all");

        assertEquals(1, upstream.requests("GET /v2/team/multi/blobs/" + amd[2]), "the amd64 layer fetched, once");
        assertEquals(0, upstream.requests("GET /v2/team/multi/blobs/" + arm[2]), "the arm64 layer left upstream");
        OciClient c = new OciClient(fed.dc("c").url());
        OciClient.Response blob = c.send("GET", "/v2/up/team/multi/blobs/" + amd[2], null);
        assertEquals(200, blob.status());
        assertEquals(null, blob.header("X-Imgfed-Cache"), "served from c's store, no pull");
        assertEquals(1, upstream.requests("GET /v2/team/multi/blobs/" + amd[2]));

        assertEquals(1, Main.run("replicate", "--oci", "up/team/multi:nope", "--url", fed.dc("a").url()),
                "an image the upstream does not have is an error (the daemon's answer)");
        assertEquals(2, Main.run("replicate", "--platform", "linux/amd64", "--url", fed.dc("a").url()),
                "neither a UUID nor --oci is a usage error");
    }
}
