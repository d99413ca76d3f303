package io.imgfed.replicator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ops/systemd/imgfed.service}: the settings operations rely on are there, and
 * {@code systemd-analyze verify} accepts the unit (with ExecStart pointed at a stand-in executable, since
 * /opt/imgfed does not exist on a build machine).
 */
class SystemdUnitTest {
    private static final String EXEC_START = "/opt/imgfed/imgfed serve --config /etc/imgfed/imgfed.yaml";

    @TempDir
    Path dir;

    private static Path unit() {
        return OpsFiles.repoRoot().resolve("ops/systemd/imgfed.service");
    }

    /** Section.Key to every value it is given (in order). */
    private static Map<String, List<String>> settings() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String section = "";
        for (String line : Files.readAllLines(unit())) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
                continue;
            }
            if (t.startsWith("[")) {
                section = t.substring(1, t.indexOf(']'));
                continue;
            }
            int eq = t.indexOf('=');
            out.computeIfAbsent(section + "." + t.substring(0, eq), k -> new ArrayList<>()).add(t.substring(eq + 1));
        }
        return out;
    }

    @Test
    void unitHasTheSettingsOperationsRelyOn() throws Exception {
        Map<String, List<String>> s = settings();
        Map<String, String> want = new LinkedHashMap<>();
        want.put("Service.User", "imgfed");
        want.put("Service.ExecStart", EXEC_START);
        want.put("Service.Restart", "on-failure");
        want.put("Service.RestartPreventExitStatus", "2");
        want.put("Service.KillSignal", "SIGTERM");
        want.put("Service.SuccessExitStatus", "143");
        want.put("Service.NoNewPrivileges", "yes");
        want.put("Service.ProtectSystem", "strict");
        want.put("Service.ReadWritePaths", "/var/lib/imgfed");
        want.put("Service.PrivateTmp", "yes");
        want.put("Service.EnvironmentFile", "-/etc/imgfed/imgfed.env");
        want.put("Install.WantedBy", "multi-user.target");
        want.forEach((k, v) -> assertEquals(List.of(v), s.get(k), k));
        assertTrue(Integer.parseInt(s.get("Service.LimitNOFILE").get(0)) >= 65536, "LimitNOFILE");
        int stop = Integer.parseInt(s.get("Service.TimeoutStopSec").get(0).replace("s", ""));
        assertTrue(stop > 20, "TimeoutStopSec leaves the daemon its 20 s graceful shutdown: " + stop);
        assertFalse(s.containsKey("Service.MemoryDenyWriteExecute"), "the JVM's JIT needs W+X memory");
        // The env file example only sets what the config loader accepts.
        for (String line : Files.readAllLines(unit().resolveSibling("imgfed.env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertTrue(line.startsWith("IMGFED_JAVA_OPTS="), "imgfed.env sets only IMGFED_JAVA_OPTS: " + line);
            }
        }
    }

    @Test
    void systemdAnalyzeVerifiesTheUnit() throws Exception {
        var analyze = OpsFiles.onPath("systemd-analyze");
        Assumptions.assumeTrue(analyze.isPresent(), "systemd-analyze is not installed (Debian package 'systemd')");
        Path stand = dir.resolve("imgfed");
        Files.writeString(stand, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(stand, PosixFilePermissions.fromString("rwxr-xr-x"));
        String text = Files.readString(unit());
        assertTrue(text.contains("ExecStart=" + EXEC_START));
        Path copy = dir.resolve("imgfed.service");
        Files.writeString(copy, text.replace("ExecStart=/opt/imgfed/imgfed ", "ExecStart=" + stand + " "));
        OpsFiles.Result r = OpsFiles.run(dir, 60, OpsFiles.cmd(analyze.get(), "verify", copy.toString()));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().isBlank(), "no warnings: " + r);
    }
}
