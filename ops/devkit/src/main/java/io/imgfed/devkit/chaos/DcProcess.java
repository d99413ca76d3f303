package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One DC's daemon as its own JVM ({@code imgfed serve}), started in the DC's network namespace; output
 * appended to a log in the results folder across restarts; killed with SIGKILL or stopped with SIGTERM.
 */
final class DcProcess {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final ChaosRun run;
    private final String dc;
    private final String host;
    private final int httpPort;
    private final Path dataDir;
    private final Path config;
    private final Path log;
    private Process process;
    private int starts;

    DcProcess(ChaosRun run, String dc, String host, int httpPort, Path dataDir, Path logDir, ObjectNode config) {
        this.run = run;
        this.dc = dc;
        this.host = host;
        this.httpPort = httpPort;
        this.dataDir = dataDir;
        this.config = logDir.resolve(dc + ".yaml");
        this.log = logDir.resolve(dc + ".log");
        try {
            Files.createDirectories(logDir);
            Files.createDirectories(dataDir);
            Files.writeString(this.config, YAML.writeValueAsString(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return dc;
    }

    String url() {
        return "http://" + host + ":" + httpPort;
    }

    Path dataDir() {
        return dataDir;
    }

    Path log() {
        return log;
    }

    /** Launches the JVM; {@link #awaitReady} waits for it. */
    synchronized void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(dc + " is running");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(run.dcJvmOptions());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-cp");
        cmd.add(run.classpath());
        cmd.add("io.imgfed.replicator.cli.Main");
        cmd.add("serve");
        cmd.add("--config");
        cmd.add(config.toString());
        try {
            Files.writeString(log, "==== " + Instant.now() + " start #" + (++starts) + ": " + String.join(" ",
                    run.network().command(dc, List.of("java", "...", "serve", "--config", config.toString()))) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(run.network().command(dc, cmd))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // A DC is configured by its YAML alone: the daemon refuses IMGFED_* variables it does not know (such as
            // the runner's own IMGFED_CHAOS_JAVA_OPTS), and known ones would override the scenario's settings.
            pb.environment().keySet().removeIf(k -> k.startsWith("IMGFED_"));
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run.ledger().add("pid", String.valueOf(process.pid()));
    }

    /** Waits until the daemon answers {@code /readyz} with 200. */
    void awaitReady(Duration deadline) {
        Await.until(dc + " to be ready (log " + log + ")", deadline, () -> {
            if (!alive()) {
                throw new Await.Timeout(dc + " exited with " + process.exitValue() + " during start; log " + log);
            }
            return run.http().get(url() + "/readyz").status() == 200;
        });
    }

    void start(Duration deadline) {
        launch();
        awaitReady(deadline);
    }

    /** SIGKILL: no shutdown hook, nothing flushed. Returns once the process is gone. */
    synchronized void kill9() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
        run.log("  SIGKILL " + dc + " (pid " + process.pid() + ")");
    }

    /** SIGTERM and wait; SIGKILL if it does not exit in time. */
    synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(25, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                waitForExit(Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(dc + " did not exit within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    // ---- observations ----

    JsonNode json(String path) {
        return run.http().getJson(url() + path);
    }

    Http.Resp get(String path) {
        return run.http().get(url() + path);
    }

    Http.Download download(String uuid, Duration timeout) {
        return run.http().download(url() + "/images/" + uuid + "/file", timeout);
    }

    /**
     * One sample of a Prometheus metric family, summed over the label sets that contain every given label
     * ({@code source_dc="a"}); NaN when no series matches or the DC does not answer.
     */
    double metric(String name, String... labels) {
        Http.Resp r = get("/metrics");
        if (r.status() != 200) {
            return Double.NaN;
        }
        String text = r.text();
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }
}
