package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that wants a token (Debian's CNCF registry with {@code auth: token}): the mirror answers its
 * {@code WWW-Authenticate: Bearer} challenge by asking the realm's token server with the credentials of
 * {@code oci.upstreams}, keeps the token for the repository, and pulls; with wrong credentials the client hears
 * a clear 503 naming why, not a hang.
 */
class OciMirrorAuthTest {
    @TempDir
    Path dir;
    RegistryTokenServer tokens;
    UpstreamRegistry upstream;
    TestDaemon daemon;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    private TestDaemon mirror(String name, String password) {
        return TestDaemon.start(dir.resolve(name), "oci:\n  upstreams:\n    up:\n      url: " + upstream.url()
                + "\n      username: robot\n      password: " + password + "\n");
    }

    @Test
    void theMirrorAnswersTheUpstreamsTokenChallengeWithItsCredentials() throws Exception {
        assumeTrue(UpstreamRegistry.installed(), "docker-registry is not installed (ops/ci/prepare installs it from Debian)");
        tokens = new RegistryTokenServer("robot", "s3cret");
        upstream = UpstreamRegistry.start(dir.resolve("upstream"), tokens.registryAuthYaml(Files.createDirectories(
                dir.resolve("upstream"))));
        OciClient anonymous = new OciClient(upstream.url());
        assertEquals(401, anonymous.send("GET", "/v2/team/private/tags/list", null).status(), "the upstream wants a token");

        OciClient pusher = new OciClient(upstream.url(), "Bearer " + tokens.token("repository:team/private:pull,push"));
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = new byte[1 << 20];
        new Random(9).nextBytes(layer);
        String configDigest = upstream.pushBlob(pusher, "team/private", config);
        String layerDigest = upstream.pushBlob(pusher, "team/private", layer);
        byte[] manifest = OciClient.imageManifest(configDigest, config.length, layerDigest, String.valueOf(layer.length));
        assertEquals(201, pusher.send("PUT", "/v2/team/private/manifests/1.0", manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        tokens.asked.clear();

        daemon = mirror("good", "s3cret");
        OciClient client = new OciClient(daemon.url());
        OciClient.Response m = client.send("GET", "/v2/up/team/private/manifests/1.0", null);
        assertEquals(200, m.status(), new String(m.body()));
        assertArrayEquals(manifest, m.body());
        OciClient.Response blob = client.send("GET", "/v2/up/team/private/blobs/" + layerDigest, null);
        assertEquals(200, blob.status(), new String(blob.body()));
        assertArrayEquals(layer, blob.body());
        assertEquals(java.util.List.of("robot repository:team/private:pull"), tokens.asked,
                "one token, asked with the configured credentials for a pull of the repository, used for both");
        daemon.close();

        daemon = mirror("bad", "wrong");
        OciClient refused = new OciClient(daemon.url());
        OciClient.Response r = refused.send("GET", "/v2/up/team/private/manifests/1.0", null);
        assertEquals(503, r.status());
        assertEquals("UNAVAILABLE", r.errorCode());
        assertTrue(r.json().path("errors").path(0).path("message").asText().contains("token server"),
                new String(r.body()));
    }
}
