package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo (Debian's, as CI installs it) copies an OCI layout to the OCI front and back, inspects it, and pushes
 * a Docker schema 2 conversion: the registry client that CRI-O and podman share, against our wire protocol.
 */
class OciSkopeoTest {
    @TempDir
    Path dir;
    TestDaemon daemon;
    String registry;

    @BeforeEach
    void start() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "skopeo is not installed (ops/ci/prepare installs it from Debian)");
        daemon = TestDaemon.start(dir.resolve("data"));
        URI u = URI.create(daemon.url());
        registry = u.getHost() + ":" + u.getPort();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private String skopeo(String... args) throws Exception {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "skopeo";
        cmd[1] = "--insecure-policy";
        cmd[2] = "--registries-conf=" + dir.resolve("no-registries.conf");
        System.arraycopy(args, 0, cmd, 3, args.length);
        Files.writeString(dir.resolve("no-registries.conf"), "");
        return OciLayout.run(cmd);
    }

    @Test
    void skopeoPushesInspectsAndPullsAnOciImage() throws Exception {
        Path layout = dir.resolve("layout");
        OciLayout.Image image = OciLayout.write(layout, "1.0", 11, 3 << 20, 40_000);
        skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":1.0", "docker://" + registry + "/team/sk:1.0");

        String raw = skopeo("inspect", "--tls-verify=false", "--raw", "docker://" + registry + "/team/sk:1.0");
        assertArrayEquals(Files.readAllBytes(layout.resolve("blobs/sha256/" + image.manifestDigest().substring(7))),
                raw.getBytes(java.nio.charset.StandardCharsets.UTF_8), "the manifest is served as it was pushed");
        String inspected = skopeo("inspect", "--tls-verify=false", "docker://" + registry + "/team/sk:1.0");
        assertTrue(inspected.contains(image.manifestDigest()), inspected);

        Path out = dir.resolve("pulled");
        skopeo("copy", "--src-tls-verify=false", "docker://" + registry + "/team/sk:1.0", "oci:" + out + ":pulled");
        for (String layer : image.layerDigests()) {
            Path blob = out.resolve("blobs/sha256/" + layer.substring(7));
            assertTrue(Files.exists(blob), "layer " + layer + " came back");
            assertEquals(layer, OciClient.digest(Files.readAllBytes(blob)));
        }
        assertTrue(Files.exists(out.resolve("blobs/sha256/" + image.manifestDigest().substring(7))),
                "the same manifest came back");
    }

    @Test
    void skopeoPushesADockerSchema2ConversionAndCopiesBetweenRepositories() throws Exception {
        Path layout = dir.resolve("layout");
        OciLayout.write(layout, "2.0", 12, 100_000);
        skopeo("copy", "--dest-tls-verify=false", "--format", "v2s2", "oci:" + layout + ":2.0",
                "docker://" + registry + "/team/docker:2.0");
        OciClient oci = new OciClient(daemon.url());
        OciClient.Response m = oci.send("GET", "/v2/team/docker/manifests/2.0", null,
                "Accept", "application/vnd.docker.distribution.manifest.v2+json");
        assertEquals(200, m.status());
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", m.header("Content-Type"));

        // registry to registry: skopeo mounts the blobs it can (POST ?mount=) and pushes the manifest
        skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + registry + "/team/docker:2.0",
                "docker://" + registry + "/other/copy:latest");
        OciClient.Response copy = oci.send("GET", "/v2/other/copy/manifests/latest", null,
                "Accept", "application/vnd.docker.distribution.manifest.v2+json");
        assertEquals(200, copy.status());
        assertArrayEquals(m.body(), copy.body());
        assertEquals("[\"latest\"]", oci.send("GET", "/v2/other/copy/tags/list", null).json().path("tags").toString());
    }
}
