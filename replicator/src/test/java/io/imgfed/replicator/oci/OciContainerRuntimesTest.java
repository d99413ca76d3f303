package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container runtimes Kubernetes nodes run pull from the OCI front: containerd's daemon (through {@code ctr},
 * unpacking the layers into its overlayfs snapshotter, which checks every layer's uncompressed digest) and
 * podman. Both from Debian, as CI installs them; both need root.
 */
class OciContainerRuntimesTest {
    @TempDir
    Path dir;
    TestDaemon daemon;
    String registry;
    Containerd containerd;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "containerd and podman need root here");
        daemon = TestDaemon.start(dir.resolve("data"));
        URI u = URI.create(daemon.url());
        registry = u.getHost() + ":" + u.getPort();
        Path layout = dir.resolve("layout");
        OciLayout.write(layout, "1.0", 21, 1 << 20, 10_000);
        Files.writeString(dir.resolve("registries.conf"), "");
        OciLayout.run("skopeo", "--insecure-policy", "--registries-conf=" + dir.resolve("registries.conf"), "copy",
                "--dest-tls-verify=false", "oci:" + layout + ":1.0", "docker://" + registry + "/team/runtime:1.0");
    }

    @AfterEach
    void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void containerdPullsAndUnpacksAnImagePushedHere() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/containerd")) && Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "containerd or skopeo is not installed (ops/ci/prepare installs them from Debian)");
        containerd = Containerd.start(dir.resolve("ctr"));
        String ctr = containerd.ctr();
        // As the README tells operators: a hosts.toml for the registry, read through --hosts-dir.
        Path hosts = dir.resolve("certs.d").resolve(registry).resolve("hosts.toml");
        Files.createDirectories(hosts.getParent());
        Files.writeString(hosts, "server = \"http://" + registry + "\"\n[host.\"http://" + registry + "\"]\n"
                + "  capabilities = [\"pull\", \"resolve\", \"push\"]\n");
        OciLayout.run("sh", "-c", ctr + "images pull --hosts-dir " + dir.resolve("certs.d") + " " + registry
                + "/team/runtime:1.0");
        String images = OciLayout.run("sh", "-c", ctr + "images ls");
        assertTrue(images.contains(registry + "/team/runtime:1.0"), images);
        OciLayout.run("sh", "-c", ctr + "images check");
        String unpacked = OciLayout.run("sh", "-c", ctr + "snapshots ls");
        assertTrue(unpacked.lines().count() >= 3, "both layers unpacked: " + unpacked);
    }

    @Test
    void podmanPullsAnImagePushedHere() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/podman")), "podman is not installed (ops/ci/prepare installs it)");
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        String out = OciLayout.run("podman", "--storage-driver", "vfs", "--root", dir.resolve("podman/root").toString(),
                "--runroot", dir.resolve("podman/run").toString(), "pull", "--tls-verify=false",
                "--signature-policy", policy.toString(), registry + "/team/runtime:1.0");
        assertTrue(out.lines().anyMatch(l -> l.matches("[0-9a-f]{64}")), "podman printed the image id: " + out);
    }
}
