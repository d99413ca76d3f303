package io.imgfed.replicator.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code imgfed serve} as a separate JVM (this test JVM's classpath), for tests where a daemon must die by
 * SIGKILL or SIGTERM. Its output goes to a log file that failures point at.
 */
public final class DaemonProcess implements AutoCloseable {
    private final Path config;
    private final Path log;
    private final int httpPort;
    private Process process;

    private DaemonProcess(Path config, Path log, int httpPort) {
        this.config = config;
        this.log = log;
        this.httpPort = httpPort;
    }

    /**
     * Writes {@code yaml} (which must set http.port to {@code httpPort}) next to the log and starts the daemon,
     * returning once it answers /ping.
     */
    public static DaemonProcess start(Path dir, String yaml, int httpPort) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("imgfed.yaml");
            Files.writeString(config, yaml);
            DaemonProcess p = new DaemonProcess(config, dir.resolve("daemon.log"), httpPort);
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the daemon again on the same config and data dir (after a kill). */
    public void restart() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("still running");
        }
        launch();
    }

    private void launch() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-")).toList());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.imgfed.replicator.cli.Main");
        cmd.add("serve");
        cmd.add("--config");
        cmd.add(config.toString());
        try {
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ImgapiClient c = client();
        // A daemon that exits ends the wait at once (an AssertionError thrown inside would only be retried by Await).
        Await.until("daemon process to answer /ping (log: " + log + ")", Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                return true;
            }
            try {
                return c.get("/ping").status() == 200;
            } catch (UncheckedIOException e) {
                return false;
            }
        });
        if (!process.isAlive()) {
            throw new AssertionError("daemon exited with " + process.exitValue() + "; log: " + log);
        }
    }

    public ImgapiClient client() {
        return new ImgapiClient("http://127.0.0.1:" + httpPort);
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. Waits until the process is gone. */
    public void kill9() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGTERM: the daemon shuts down gracefully. Returns its exit code. */
    public int terminate(Duration timeout) {
        process.destroy();
        return waitForExit(timeout);
    }

    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("daemon did not exit within " + timeout + "; log: " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit(Duration.ofSeconds(30));
        }
    }
}
