package io.imgfed.replicator.oci;

import io.imgfed.replicator.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * containerd's daemon (Debian's, as CI installs it) with private paths under one directory and the CRI plugin
 * off, driven through {@code ctr}. Needs root; its snapshots are overlay mounts, unmounted when it stops.
 */
final class Containerd implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/containerd");

    private final Path dir;
    private final Process process;

    private Containerd(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    static boolean usable() {
        return Files.isExecutable(BINARY) && "root".equals(System.getProperty("user.name"));
    }

    static Containerd start(Path dir) throws Exception {
        Path socket = dir.resolve("containerd.sock");
        Path config = dir.resolve("containerd.toml");
        Files.createDirectories(dir);
        Files.writeString(config, "version = 2\nroot = \"" + dir.resolve("root") + "\"\nstate = \""
                + dir.resolve("state") + "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \""
                + socket + "\"\n[ttrpc]\n  address = \"" + dir.resolve("ttrpc.sock") + "\"\n");
        Process p = new ProcessBuilder(BINARY.toString(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        Containerd c = new Containerd(dir, p);
        try {
            Await.until("containerd's socket", Duration.ofSeconds(60), () -> Files.exists(socket));
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The {@code ctr} command line prefix for this daemon (a shell word list). */
    String ctr() {
        return "ctr -a " + dir.resolve("containerd.sock") + " -n imgfed-test ";
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        // its snapshots are overlay mounts under the directory: gone before the directory is deleted
        OciLayout.run("sh", "-c", "grep ' " + dir + "' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l");
    }
}
