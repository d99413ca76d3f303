package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestFederation;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-DC case with real clients: skopeo pushes an image to DC a's registry, and containerd, on a
 * node pointed at DC c, pulls and unpacks it: one cross-DC transfer per blob, from a, and the digests containerd
 * checks are the pushed ones.
 */
class OciFederationRuntimesTest {
    @TempDir
    Path dir;
    TestFederation fed;
    Containerd containerd;

    @AfterEach
    void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        if (fed != null) {
            fed.close();
        }
    }

    private static String hostOf(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    @Test
    void pushedInOneDcPulledByContainerdInAnother() throws Exception {
        assumeTrue(Containerd.usable() && Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "containerd (as root) or skopeo is not installed (ops/ci/prepare installs them from Debian)");
        fed = TestFederation.start(dir.resolve("fed"), "a", "c");
        String a = hostOf(fed.dc("a").url());
        String c = hostOf(fed.dc("c").url());
        Path layout = dir.resolve("layout");
        OciLayout.Image image = OciLayout.write(layout, "1.0", 51, 3 << 20, 50_000);
        Files.writeString(dir.resolve("empty.conf"), "");
        OciLayout.run("skopeo", "--insecure-policy", "--registries-conf=" + dir.resolve("empty.conf"), "copy",
                "--dest-tls-verify=false", "oci:" + layout + ":1.0", "docker://" + a + "/team/fed:1.0");
        OciClient atC = new OciClient(fed.dc("c").url());
        Await.until("c knows team/fed:1.0", Duration.ofSeconds(60),
                () -> atC.send("HEAD", "/v2/team/fed/manifests/1.0", null).status() == 200);

        containerd = Containerd.start(dir.resolve("ctr"));
        Path hosts = dir.resolve("certs.d").resolve(c).resolve("hosts.toml");
        Files.createDirectories(hosts.getParent());
        Files.writeString(hosts, "server = \"http://" + c + "\"\n[host.\"http://" + c + "\"]\n"
                + "  capabilities = [\"pull\", \"resolve\"]\n");
        OciLayout.run("sh", "-c", containerd.ctr() + "images pull --hosts-dir " + dir.resolve("certs.d") + " " + c
                + "/team/fed:1.0");
        OciLayout.run("sh", "-c", containerd.ctr() + "images check");
        String listed = OciLayout.run("sh", "-c", containerd.ctr() + "images ls");
        assertTrue(listed.contains(image.manifestDigest()), "containerd holds the pushed manifest digest: " + listed);

        List<String> sources = new ArrayList<>();
        for (JsonNode t : fed.client("c").get("/transfers").json()) {
            if ("transfer".equals(t.path("kind").asText())) {
                sources.add(t.path("source").asText() + ":" + t.path("state").asText());
            }
        }
        // the config blob and each layer: one transfer each, from a
        assertEquals(image.layerDigests().size() + 1, sources.size(), sources.toString());
        assertTrue(sources.stream().allMatch(s -> s.startsWith("a:")), sources.toString());
    }
}
