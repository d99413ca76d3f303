package io.imgfed.replicator.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 2 acceptance: the IMGAPI client of the npm package sdc-clients (13.x) works against the daemon. Runs
 * {@code ops/compat/sdc-clients/compat.js} with node against an in-process daemon; that script drives the real
 * client (ping, create, addImageFile, activate, getImage, getImageFile with its Content-MD5 check, listImages
 * paging over more than 1000 images, update, disable, enable, acl add/remove, delete, error codes) and prints
 * one JSON line per step. Skips when node or the npm packages are missing ({@code ops/ci/prepare} installs them).
 */
class SdcClientsCompatTest {
    /** Every step compat.js runs; each must report ok. */
    static final List<String> STEPS = List.of("ping", "create", "add-file", "activate", "get", "get-file",
            "error-code", "bulk-create", "list-paging", "update", "disable", "enable", "acl-add", "acl-remove",
            "delete");
    static final long TIMEOUT_SECONDS = 180;

    @TempDir
    Path dir;

    @Test
    void sdcClientsImgapiClientWorksAgainstTheDaemon() throws Exception {
        Path compat = compatDir();
        Assumptions.assumeTrue(nodeVersion() != null, "node is not on PATH; run ops/ci/prepare on a machine with node");
        Assumptions.assumeTrue(Files.isDirectory(compat.resolve("node_modules/sdc-clients")),
                "no node_modules in " + compat + "; run ops/ci/prepare (npm ci there)");

        Path out = dir.resolve("compat.out");
        Path err = dir.resolve("compat.err");
        try (TestDaemon daemon = TestDaemon.start(dir.resolve("data"))) {
            long t0 = System.nanoTime();
            Process node = new ProcessBuilder("node", "compat.js", daemon.url())
                    .directory(compat.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean exited = node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("compat.js did not finish within " + TIMEOUT_SECONDS + " s\n" + output(out, err));
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            String output = output(out, err);
            System.out.println("sdc-clients compat (" + ms + " ms):\n" + output);

            Map<String, JsonNode> reported = new LinkedHashMap<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode step;
                try {
                    step = json.readTree(line);
                } catch (IOException e) {
                    fail("compat.js printed a line that is not JSON: " + line + "\n" + output);
                    return;
                }
                reported.put(step.path("step").asText(), step);
            }
            for (String step : STEPS) {
                JsonNode r = reported.get(step);
                assertTrue(r != null, "step " + step + " not reported\n" + output);
                assertTrue(r.path("ok").asBoolean(false), "step " + step + " failed: " + r.path("detail").asText()
                        + "\n" + output);
            }
            assertEquals(0, node.exitValue(), "compat.js exit code\n" + output);
        }
    }

    private static String output(Path out, Path err) throws IOException {
        String stdout = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        String stderr = Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
        return "--- stdout\n" + stdout + (stderr.isBlank() ? "" : "--- stderr\n" + stderr);
    }

    /** {@code ops/compat/sdc-clients} of this checkout: walks up from the working directory. */
    private static Path compatDir() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/compat"))) {
                return p.resolve("ops/compat/sdc-clients");
            }
        }
        throw new IllegalStateException("no ops/compat above " + System.getProperty("user.dir"));
    }

    /** node's version, or null when it cannot be run. */
    private static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? v : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
