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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        List<String> own = linesAboutThisUnit(r.output(), dir);
        assertTrue(own.isEmpty(), "no warnings about imgfed.service: " + own + "\n" + r);
        // A failure exit is only acceptable when other units' lines explain it.
        assertTrue(r.exit() == 0 || !r.output().isBlank(), r.toString());
    }

    /**
     * systemd-analyze also reports on units already installed on the machine (say Debian's keystone.service:
     * "keystone.service: Dependency After=keystone.service is dropped."); those are not this unit's to answer
     * for. A line counts unless it names another unit at its start and neither imgfed.service nor our files.
     */
    static List<String> linesAboutThisUnit(String output, Path ownDir) {
        List<String> out = new ArrayList<>();
        for (String line : output.split("\n")) {
            String t = line.trim();
            if (t.isEmpty()) {
                continue;
            }
            Matcher m = UNIT_AT_START.matcher(t);
            boolean otherUnit = m.lookingAt() && !m.group(1).equals("imgfed.service");
            if (otherUnit && !t.contains("imgfed.service") && !t.contains(ownDir.toString())) {
                continue;
            }
            out.add(t);
        }
        return out;
    }

    private static final Pattern UNIT_AT_START = Pattern.compile(
            "(?:\\S*/)?([^/\\s:]+\\.(?:service|socket|target|mount|automount|swap|timer|path|slice|scope|device))(?::\\d+)?:");

    @Test
    void warningsAboutOtherInstalledUnitsAreNotCountedAsThisUnits() {
        Path own = Path.of("/tmp/junit123");
        String output = String.join("\n",
                "keystone.service: Dependency After=keystone.service is dropped.",
                "/lib/systemd/system/apache2.service:12: Unknown key name 'Foo' in section 'Service', ignoring.",
                "/tmp/junit123/imgfed.service:9: Unknown key name 'Bar' in section 'Service', ignoring.",
                "imgfed.service: Command /opt/imgfed/imgfed is not executable: No such file or directory",
                "network.target: Wants=imgfed.service of a unit that depends on it",
                "Failed to prepare filename /tmp/junit123/imgfed.service: Invalid argument",
                "");
        assertEquals(List.of(
                "/tmp/junit123/imgfed.service:9: Unknown key name 'Bar' in section 'Service', ignoring.",
                "imgfed.service: Command /opt/imgfed/imgfed is not executable: No such file or directory",
                "network.target: Wants=imgfed.service of a unit that depends on it",
                "Failed to prepare filename /tmp/junit123/imgfed.service: Invalid argument"),
                linesAboutThisUnit(output, own));
        assertEquals(List.of(), linesAboutThisUnit("keystone.service: Dependency After=keystone.service is dropped.\n", own));
    }
}
