package io.imgfed.replicator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imgfed serve --config bad.yaml} in a child JVM (this test JVM's classpath, as DaemonProcess runs it): a bad
 * configuration stops startup with exactly one line naming the key and the problem, and exit code 2.
 */
class BadConfigProcessTest {
    @TempDir
    Path dir;

    private record Result(int exitCode, List<String> lines) {
    }

    private Result serve(String yaml, Map<String, String> env) throws IOException, InterruptedException {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, yaml);
        return run(config, env);
    }

    private Result run(Path config, Map<String, String> env) throws IOException, InterruptedException {
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
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("imgfed serve did not exit: " + new String(out, StandardCharsets.UTF_8));
        }
        List<String> lines = new String(out, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        return new Result(p.exitValue(), lines);
    }

    private void assertOneLineNaming(Result r, String key) {
        assertEquals(1, r.lines().size(), () -> "exactly one line of output, got: " + r.lines());
        assertTrue(r.lines().get(0).contains(key), () -> "the line names " + key + ": " + r.lines().get(0));
        assertEquals(2, r.exitCode(), () -> "exit code; output: " + r.lines());
    }

    @Test
    void badValueNamesTheKeyAndExits2() throws Exception {
        Result r = serve("dc: test\nhttp: {port: eighty}\n", Map.of());
        assertOneLineNaming(r, "http.port");
        assertTrue(r.lines().get(0).contains("eighty"), r.lines().get(0));
    }

    @Test
    void unknownKeyNamesTheKeyAndExits2() throws Exception {
        assertOneLineNaming(serve("data: {dir: ./d, capasity: 1GiB}\n", Map.of()), "data.capasity");
    }

    @Test
    void badEnvironmentVariableNamesItAndExits2() throws Exception {
        assertOneLineNaming(serve("dc: test\n", Map.of("IMGFED_HTTP_PROT", "1")), "IMGFED_HTTP_PROT");
    }

    /** Issue 12's two new refusals go the same way: one line naming the key, exit 2. */
    @Test
    void plainHttpTokensOffLoopbackAndUnnamedTofuPeersExit2() throws Exception {
        assertOneLineNaming(serve("dc: test\nhttp: {host: 0.0.0.0}\nauth: {mode: token, tokens: ./tokens}\n", Map.of()),
                "http.tls");
        assertOneLineNaming(serve("dc: test\nfederation: {members: [10.9.9.9:5701]}\n", Map.of()), "federation.dcs");
    }

    @Test
    void missingConfigFileExits2() throws Exception {
        assertOneLineNaming(run(dir.resolve("missing.yaml"), Map.of()), "missing.yaml");
    }
}
