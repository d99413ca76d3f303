package io.imgfed.replicator.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.Daemon;
import io.imgfed.replicator.DirectoryLock;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second daemon started by mistake on a live DC's data directory (other ports) must touch nothing of the live
 * one: before the lock, it became ready, deleted the live pull's temp file, billed the live daemon's running
 * transfer as interrupted and wrote into the same outbox. Now it exits 2 with one line naming the directory and
 * the PID that holds it.
 */
class DoubleStartTest {
    @TempDir
    Path dir;

    @Test
    void aSecondDaemonInThisJvmIsRefusedAndTouchesNothing() throws Exception {
        Path data = dir.resolve("data");
        try (TestDaemon live = TestDaemon.start(data)) {
            Path unfinished = live.daemon().store().tmpDir().resolve("live-pull.part");
            Files.write(unfinished, new byte[4096]);
            ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> Daemon.start(TestDaemon.config(data, "")).toCompletionStage().toCompletableFuture()
                            .get(60, TimeUnit.SECONDS));
            assertTrue(refused.getCause() instanceof DirectoryLock.InUseException, () -> "refused as in use, got " + refused.getCause());
            assertTrue(refused.getCause().getMessage().contains(data.toString()), refused.getCause().getMessage());
            assertTrue(Files.exists(unfinished), "the live daemon's temp file must survive the refused start");
            assertEquals(200, live.client().get("/ping").status());
        }
        // Released at stop: the directory can be served again.
        try (TestDaemon again = TestDaemon.start(data)) {
            assertEquals(200, again.client().get("/ping").status());
        }
    }

    @Test
    void aSecondServeProcessExitsTwoWithOneLineNamingTheDirectoryAndThePid() throws Exception {
        Path data = dir.resolve("data");
        int port = FreePorts.next();
        try (DaemonProcess live = DaemonProcess.start(dir.resolve("live"), yaml(data, port), port)) {
            Path config = dir.resolve("second.yaml");
            Files.writeString(config, yaml(data, FreePorts.next()));
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx128m");
            cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--add-")).toList());
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("io.imgfed.replicator.cli.Main");
            cmd.add("serve");
            cmd.add("--config");
            cmd.add(config.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("IMGFED_"));
            Process second = pb.start();
            byte[] out = second.getInputStream().readAllBytes();
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second daemon must exit");
            List<String> lines = new String(out, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
            assertEquals(2, second.exitValue(), () -> "exit code 2; output: " + lines);
            assertEquals(1, lines.size(), () -> "exactly one line; got: " + lines);
            assertTrue(lines.get(0).contains(data.toString()) && lines.get(0).contains("pid " + live.pid()), lines.get(0));
            assertTrue(live.alive());
            assertEquals(200, live.client().get("/ping").status());
        }
    }

    private static String yaml(Path data, int httpPort) {
        return "dc: twice\n"
                + "data: {dir: " + data + "}\n"
                + "http: {port: " + httpPort + "}\n"
                + "peer: {port: 0}\n"
                + "federation: {port: " + FreePorts.next() + "}\n";
    }
}
