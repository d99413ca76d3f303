package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes configured as the README says pull an upstream's image through imgfed: containerd with a
 * {@code hosts.toml} mirror (it sends {@code ?ns=<upstream>}) and podman with a {@code registries.conf} mirror
 * (the upstream's id in the path). The upstream (Debian's CNCF registry) sees each layer fetched once, by
 * imgfed, whatever the number of nodes.
 */
class OciMirrorRuntimesTest {
    @TempDir
    Path dir;
    UpstreamRegistry upstream;
    TestDaemon daemon;
    Containerd containerd;
    String imgfed;
    OciLayout.Image image;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(UpstreamRegistry.installed() && Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "docker-registry or skopeo is not installed (ops/ci/prepare installs them from Debian)");
        assumeTrue("root".equals(System.getProperty("user.name")), "containerd and podman need root here");
        upstream = UpstreamRegistry.start(dir.resolve("upstream"));
        daemon = TestDaemon.start(dir.resolve("data"), "oci:\n  upstreams:\n    up:\n      url: " + upstream.url()
                + "\n      names: [\"" + upstream.host() + "\"]\n");
        URI u = URI.create(daemon.url());
        imgfed = u.getHost() + ":" + u.getPort();
        Path layout = dir.resolve("layout");
        image = OciLayout.write(layout, "1.0", 41, 1 << 20, 20_000);
        Files.writeString(dir.resolve("empty.conf"), "");
        OciLayout.run("skopeo", "--insecure-policy", "--registries-conf=" + dir.resolve("empty.conf"), "copy",
                "--dest-tls-verify=false", "oci:" + layout + ":1.0", "docker://" + upstream.host() + "/team/app:1.0");
    }

    @AfterEach
    void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void containerdAndPodmanPullAnUpstreamImageThroughTheMirror() throws Exception {
        assumeTrue(Containerd.usable() && Files.isExecutable(Path.of("/usr/bin/podman")),
                "containerd or podman is not installed (ops/ci/prepare installs them from Debian)");
        containerd = Containerd.start(dir.resolve("ctr"));
        // The README's hosts.toml: the upstream as server, imgfed as the host tried first.
        Path hosts = dir.resolve("certs.d").resolve(upstream.host()).resolve("hosts.toml");
        Files.createDirectories(hosts.getParent());
        Files.writeString(hosts, "server = \"" + upstream.url() + "\"\n[host.\"http://" + imgfed + "\"]\n"
                + "  capabilities = [\"pull\", \"resolve\"]\n");
        OciLayout.run("sh", "-c", containerd.ctr() + "images pull --hosts-dir " + dir.resolve("certs.d") + " "
                + upstream.host() + "/team/app:1.0");
        OciLayout.run("sh", "-c", containerd.ctr() + "images check");

        // The README's registries.conf: imgfed as a mirror of the upstream, with the upstream's id in its location.
        Path conf = dir.resolve("registries.conf");
        Files.writeString(conf, "[[registry]]\nlocation = \"" + upstream.host() + "\"\ninsecure = true\n"
                + "[[registry.mirror]]\nlocation = \"" + imgfed + "/up\"\ninsecure = true\n");
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        String out = OciLayout.run("env", "CONTAINERS_REGISTRIES_CONF=" + conf, "podman", "--storage-driver", "vfs",
                "--root", dir.resolve("podman/root").toString(), "--runroot", dir.resolve("podman/run").toString(), "pull",
                "--signature-policy", policy.toString(), upstream.host() + "/team/app:1.0");
        assertTrue(out.lines().anyMatch(l -> l.matches("[0-9a-f]{64}")), "podman printed the image id: " + out);

        for (String layer : image.layerDigests()) {
            assertEquals(1, upstream.requests("GET /v2/team/app/blobs/" + layer),
                    "the upstream served each layer once, to imgfed, for two nodes");
        }
        List<String> log = Files.readAllLines(dir.resolve("upstream/access-1.log"));
        assertTrue(log.stream().filter(l -> l.contains("\"GET /v2/team/app/blobs/sha256:"))
                        .allMatch(l -> l.contains("imgfed-mirror/")),
                "no node went around the mirror: " + String.join("\n", log));
    }
}
