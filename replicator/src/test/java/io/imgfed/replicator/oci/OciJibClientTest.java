package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Google's Jib, an OCI registry client used by Java builds, pushes an image to the OCI front and pulls it back
 * (as the base of another image, which downloads its manifest, config and layers), over plain HTTP and with the
 * Basic credentials registry clients send in {@code auth.mode: token}.
 */
class OciJibClientTest {
    @TempDir
    Path dir;
    TestDaemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String hostPort(TestDaemon d) {
        URI u = URI.create(d.url());
        return u.getHost() + ":" + u.getPort();
    }

    private Containerizer to(RegistryImage image, String caches) {
        return caches(Containerizer.to(image), caches);
    }

    private Containerizer to(TarImage image, String caches) {
        return caches(Containerizer.to(image), caches);
    }

    private Containerizer caches(Containerizer c, String caches) {
        return c.setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(dir.resolve(caches + "-base"))
                .setApplicationLayersCache(dir.resolve(caches + "-app"));
    }

    @Test
    void jibPushesAnImageAndPullsItBack() throws Exception {
        daemon = TestDaemon.start(dir.resolve("data"));
        roundTrip(hostPort(daemon), null, null);
    }

    @Test
    void jibAuthenticatesWithBasicCredentialsWhenTheFrontWantsATokenAndIsRefusedWithout() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "s3cret-token-of-ci ci\n");
        Files.createDirectories(dir.resolve("keys"));
        daemon = TestDaemon.start(dir.resolve("data"), "auth: {mode: token, allowInsecure: true, tokens: " + tokens
                + ", keys: " + dir.resolve("keys") + ", operators: [ci]}\n");
        // Basic credentials over plain HTTP: Jib sends them only when told to (the test's loopback only).
        System.setProperty("sendCredentialsOverHttp", "true");
        try {
            roundTrip(hostPort(daemon), "ci", "s3cret-token-of-ci");
        } finally {
            System.clearProperty("sendCredentialsOverHttp");
        }
        OciClient anonymous = new OciClient(daemon.url());
        OciClient.Response r = anonymous.send("GET", "/v2/", null);
        assertEquals(401, r.status());
        assertEquals("UNAUTHORIZED", r.errorCode());
        assertTrue(r.header("WWW-Authenticate").startsWith("Basic"), r.header("WWW-Authenticate"));
    }

    private void roundTrip(String registry, String user, String token) throws Exception {
        Path app = dir.resolve("app.bin");
        byte[] content = new byte[2 << 20];
        new Random(7).nextBytes(content);
        Files.write(app, content);
        RegistryImage target = RegistryImage.named(registry + "/team/jib-app:1.0");
        if (user != null) {
            target.addCredential(user, token);
        }
        JibContainer pushed = Jib.fromScratch()
                .addLayer(List.of(app), AbsoluteUnixPath.get("/app"))
                .setEntrypoint("/app/app.bin")
                .containerize(to(target, "push"));

        RegistryImage base = RegistryImage.named(registry + "/team/jib-app:1.0");
        if (user != null) {
            base.addCredential(user, token);
        }
        Path tar = dir.resolve("pulled.tar");
        JibContainer pulled = Jib.from(base)
                .containerize(to(TarImage.at(tar).named("pulled:1"), "pull"));
        assertEquals(pushed.getImageId(), pulled.getImageId(), "the pulled image is the pushed one");
        assertTrue(Files.size(tar) > content.length, "the layer came back");

        OciClient oci = new OciClient(daemon.url(), user == null ? null : "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + token).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        OciClient.Response manifest = oci.send("GET", "/v2/team/jib-app/manifests/" + pushed.getDigest(), null,
                "Accept", "application/vnd.docker.distribution.manifest.v2+json",
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertEquals(200, manifest.status(), new String(manifest.body()));
        assertEquals(pushed.getDigest().toString(), manifest.header("Docker-Content-Digest"));
        String layerDigest = manifest.json().path("layers").path(0).path("digest").asText();
        byte[] layerBytes = oci.send("GET", "/v2/team/jib-app/blobs/" + layerDigest, null).body();
        assertArrayEquals(OciClient.digest(layerBytes).getBytes(), layerDigest.getBytes(), "the layer's bytes match its digest");
    }
}
