package io.imgfed.replicator.testkit;

import io.imgfed.replicator.ops.OpsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A directory whose "disk" can lose power: a mount of powerlossfs ({@code ops/devtools/powerloss}), a FUSE file
 * system that serves every write at once but keeps, across {@link #powerOff}, only what fsync made durable. A
 * file's content survives only if the file was fsynced; a name (create, rename, unlink) only if its directory was.
 * A SIGKILL of the daemon alone proves nothing about fsync, since the kernel's page cache outlives the process;
 * a power cut here does not.
 *
 * <p>Use it like this (the daemon's config and log stay on the ordinary disk, its data dir on the mount):
 * <pre>{@code
 * try (PowerLossDir disk = PowerLossDir.mount(tempDir)) {          // skips the test where it cannot run
 *     Path data = disk.durableDir("data");                          // exists before the daemon, as installed
 *     DaemonProcess d = DaemonProcess.start(tempDir.resolve("d"), yaml(data), port);
 *     ... an operation the daemon acknowledges ...
 *     disk.powerOff(d);                                             // cut: the disk, then the daemon (SIGKILL)
 *     disk.powerOn();                                               // the disk as it is after the cut
 *     d.restart();                                                  // same config, same data dir
 *     ... assert that what was acknowledged is there ...
 * }
 * }</pre>
 * A test of another durable store (the billing outbox, a lock file) does the same: point its path into
 * {@link #path()}, cut the power right after the store acknowledged, and check after {@link #powerOn()}. To prove
 * such a test guards an fsync, remove the fsync from the product once and see it fail. Code that runs in the test
 * JVM itself can be cut too: {@link #powerOff} with no process, then reopen its files after {@link #powerOn()}.
 *
 * <p>Needs root, {@code /dev/fuse}, {@code /usr/bin/python3} and Debian's {@code python3-fusepy} (which
 * {@code ops/ci/prepare} installs); without them {@link #mount} skips the test and names what is missing.
 */
public final class PowerLossDir implements AutoCloseable {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);

    private final Path scripts;
    private final Path backing;
    private final Path mountPoint;
    private final Path fallback;
    private boolean mounted;

    private PowerLossDir(Path scripts, Path backing, Path mountPoint, Path fallback) {
        this.scripts = scripts;
        this.backing = backing;
        this.mountPoint = mountPoint;
        this.fallback = fallback;
    }

    /**
     * Mounts a new, empty power-loss file system at {@code <workDir>/mnt} (its durable state in memory under
     * /dev/shm where possible); skips the calling test where this machine cannot.
     */
    public static PowerLossDir mount(Path workDir) {
        assumeSupported();
        Path scripts = OpsFiles.repoRoot().resolve("ops/devtools/powerloss");
        Path fallback = workDir.resolve("powerloss-backing");
        PowerLossDir d = new PowerLossDir(scripts, TmpfsDir.create("powerloss-", fallback), workDir.resolve("mnt"),
                fallback);
        d.powerOn();
        return d;
    }

    /** Skips the calling test, naming what is missing, where powerlossfs cannot run. */
    public static void assumeSupported() {
        Assumptions.assumeTrue(isRoot(), "the power-loss file system needs root (it mounts a FUSE file system)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse: this kernel or container has no FUSE");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")),
                "no /usr/bin/python3 (Debian package 'python3'; ops/ci/prepare installs python3-fusepy)");
        Assumptions.assumeTrue(run(List.of("/usr/bin/python3", "-c", "import fusepy"), Duration.ofSeconds(30)).ok(),
                "Python's fusepy is not installed (Debian package 'python3-fusepy'; ops/ci/prepare installs it)");
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The mount point: everything under it lives on the power-loss disk. */
    public Path path() {
        return mountPoint;
    }

    /** The file system's log (errors, and with {@code --debug} every fsync); worth naming in a failure. */
    public Path log() {
        return backing.resolve("powerlossfs.log");
    }

    /**
     * Creates {@code <mount>/<name>} and makes it durable (fsync of the mount's root), as an installer's data
     * directory exists before the daemon's first start.
     */
    public Path durableDir(String name) {
        Path dir = mountPoint.resolve(name);
        try {
            Files.createDirectories(dir);
            fsync(mountPoint);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Cuts the power: SIGKILL to the file system first (whatever was not fsynced is gone from that instant), then
     * SIGKILL to each daemon, and waits until they are all gone. The mount is dead until {@link #powerOn()}.
     */
    public void powerOff(DaemonProcess... daemons) {
        List<ProcessHandle> users = new ArrayList<>();
        for (DaemonProcess d : daemons) {
            if (d.alive()) {
                ProcessHandle.of(d.pid()).ifPresent(users::add);
            }
        }
        powerOffKilling(users.toArray(ProcessHandle[]::new));
        for (DaemonProcess d : daemons) {
            d.waitForExit(Duration.ofSeconds(30));
        }
    }

    /** {@link #powerOff(DaemonProcess...)} for any other processes that use the mount. */
    public void powerOffKilling(ProcessHandle... users) {
        List<String> cmd = new ArrayList<>(List.of(scripts.resolve("poweroff").toString(), backing.toString(),
                mountPoint.toString()));
        for (ProcessHandle p : users) {
            cmd.add(Long.toString(p.pid()));
        }
        script(cmd);
        mounted = false;
    }

    /**
     * With {@code failing}, every change to the file system (write, fsync, create, rename, unlink, ...) fails with
     * EIO and changes nothing, as a failing disk does; reads still work. Without, the disk works again.
     */
    public void failIo(boolean failing) {
        Path flag = backing.resolve("fail-io");
        try {
            if (failing) {
                Files.writeString(flag, "");
            } else {
                Files.deleteIfExists(flag);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mounts the file system again; it serves exactly what survived the last power cut. */
    public void powerOn() {
        if (mounted) {
            throw new IllegalStateException("powerOn while the power is on: call powerOff first");
        }
        script(List.of(scripts.resolve("mount").toString(), backing.toString(), mountPoint.toString(), "--debug"));
        mounted = true;
    }

    /** Unmounts (a clean shutdown) and deletes the file system's state. Processes using it must be stopped. */
    @Override
    public void close() {
        script(List.of(scripts.resolve("unmount").toString(), backing.toString(), mountPoint.toString()));
        mounted = false;
        TmpfsDir.delete(backing, fallback);
    }

    /** fsync of a file or a directory, as the product does it ({@code FileChannel.force(true)}). */
    public static void fsync(Path fileOrDir) throws IOException {
        try (FileChannel ch = FileChannel.open(fileOrDir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private void script(List<String> cmd) {
        Result r = run(cmd, SCRIPT_TIMEOUT);
        if (!r.ok()) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + r.output() + " (file system log: " + log() + ")");
        }
    }

    private record Result(boolean ok, String output) {
    }

    private static Result run(List<String> cmd, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("powerloss-script", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(false, "timed out after " + timeout + ": " + Files.readString(out));
            }
            return new Result(p.exitValue() == 0, Files.readString(out).trim());
        } catch (IOException e) {
            return new Result(false, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }
}
