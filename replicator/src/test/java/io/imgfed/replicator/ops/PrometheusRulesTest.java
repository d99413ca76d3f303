package io.imgfed.replicator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus alert rules and example configuration in {@code ops/prometheus}: promtool accepts them
 * ({@code check rules}, {@code check config}) and the rules' unit tests pass ({@code test rules}), which
 * shows each alert fires on the situation it is for and stays quiet otherwise. The structural checks
 * (every alert the operators need exists, has a severity, a summary and a description, and has unit tests
 * that fire it and that keep it quiet) run without promtool.
 */
class PrometheusRulesTest {
    private static final long PROMTOOL_TIMEOUT_S = 60;
    private static final YAMLMapper YAML = new YAMLMapper();
    /** The alerts of issue 7 and the runbook in ops/README.md. */
    private static final Set<String> REQUIRED = Set.of("ImgfedDaemonDown", "ImgfedDcGone", "ImgfedTransfersFailing",
            "ImgfedBillingOutboxBacklog", "ImgfedBillingPublishErrors", "ImgfedCacheNearCapacity",
            "ImgfedRecordsRejected", "ImgfedGossipLagHigh", "ImgfedPeerDcGone", "ImgfedBillingOutboxFailing");
    /** Alerts whose unit tests must show them both firing and quiet. */
    private static final Set<String> MUST_BE_UNIT_TESTED = Set.of("ImgfedDcGone", "ImgfedTransfersFailing",
            "ImgfedBillingOutboxBacklog", "ImgfedCacheNearCapacity", "ImgfedRecordsRejected", "ImgfedDaemonDown",
            "ImgfedBillingPublishErrors", "ImgfedGossipLagHigh", "ImgfedPeerDcGone", "ImgfedBillingOutboxFailing");

    static Path root;
    static Path prometheusDir;

    @BeforeAll
    static void locate() {
        root = OpsFiles.repoRoot();
        prometheusDir = root.resolve("ops/prometheus");
    }

    private static Path promtool() {
        var p = OpsFiles.onPath("promtool");
        Assumptions.assumeTrue(p.isPresent(),
                "promtool is not installed (Debian package 'prometheus'; ops/ci/prepare installs it on CI)");
        return p.get();
    }

    private static OpsFiles.Result promtool(String... args) throws Exception {
        return OpsFiles.run(root, PROMTOOL_TIMEOUT_S, OpsFiles.cmd(promtool(), args));
    }

    static List<JsonNode> rules(String group) throws Exception {
        return rulesOf(root, group);
    }

    /** Every rule (alerting and recording) of ops/prometheus/imgfed-alerts.yml. */
    static List<JsonNode> rulesOf(Path repoRoot) throws Exception {
        return rulesOf(repoRoot, null);
    }

    private static List<JsonNode> rulesOf(Path repoRoot, String group) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode g : YAML.readTree(repoRoot.resolve("ops/prometheus/imgfed-alerts.yml").toFile()).path("groups")) {
            if (group == null || g.path("name").asText().equals(group)) {
                g.path("rules").forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void promtoolAcceptsTheAlertRules() throws Exception {
        OpsFiles.Result r = promtool("check", "rules", "ops/prometheus/imgfed-alerts.yml");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("SUCCESS"), r.toString());
        assertTrue(r.output().contains(rules(null).size() + " rules found"), r.toString());
    }

    @Test
    void promtoolAcceptsTheExampleConfigAndTheRulesItLoads() throws Exception {
        OpsFiles.Result r = promtool("check", "config", "ops/prometheus/prometheus.yml");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("SUCCESS: ops/prometheus/prometheus.yml is valid"), r.toString());
        assertTrue(r.output().contains("SUCCESS: " + rules(null).size() + " rules found"),
                "the example config loads imgfed-alerts.yml: " + r);
    }

    @Test
    void alertRulesFireInTheirUnitTests() throws Exception {
        OpsFiles.Result r = promtool("test", "rules", "ops/prometheus/imgfed-alerts.test.yml");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("SUCCESS"), r.toString());
        assertFalse(r.output().contains("FAILED"), r.toString());
    }

    @Test
    void everyNeededAlertExistsWithSeverityAndAnnotations() throws Exception {
        Set<String> seen = new TreeSet<>();
        for (JsonNode rule : rules("imgfed.alerts")) {
            String name = rule.path("alert").asText();
            assertTrue(name.startsWith("Imgfed"), "alert names start with Imgfed (the dashboard's annotation query): " + name);
            seen.add(name);
            String severity = rule.path("labels").path("severity").asText();
            assertTrue(Set.of("critical", "warning").contains(severity), name + " has severity critical or warning");
            assertFalse(rule.path("annotations").path("summary").asText().isBlank(), name + " has a summary");
            String description = rule.path("annotations").path("description").asText();
            assertFalse(description.isBlank(), name + " has a description");
            if (name.equals("ImgfedPeerDcGone")) {
                // Aggregated over observers on purpose: one alert per lost DC, however many DCs notice it.
                assertTrue(description.contains("{{ $labels.peer_dc }}"), name + " names the DC that is gone");
            } else if (!name.equals("ImgfedDcGone")) {
                assertTrue(description.contains("{{ $labels.dc }}") && description.contains("{{ $labels.instance }}"),
                        name + " says which DC and target it is about");
            }
        }
        assertTrue(seen.containsAll(REQUIRED), "missing alerts: " + diff(REQUIRED, seen));
    }

    @Test
    void unitTestsShowEachAlertFiringAndQuiet() throws Exception {
        JsonNode tests = YAML.readTree(prometheusDir.resolve("imgfed-alerts.test.yml").toFile());
        assertEquals(List.of("imgfed-alerts.yml"), YAML.convertValue(tests.path("rule_files"), List.class));
        Map<String, int[]> byAlert = new TreeMap<>();  // [firing cases, quiet cases]
        for (JsonNode t : tests.path("tests")) {
            for (JsonNode a : t.path("alert_rule_test")) {
                int[] n = byAlert.computeIfAbsent(a.path("alertname").asText(), k -> new int[2]);
                n[a.path("exp_alerts").isEmpty() ? 1 : 0]++;
            }
        }
        for (String alert : MUST_BE_UNIT_TESTED) {
            int[] n = byAlert.getOrDefault(alert, new int[2]);
            assertTrue(n[0] > 0, alert + ": a unit test where it fires");
            assertTrue(n[1] > 0, alert + ": a unit test where it does not");
        }
    }

    @Test
    void exampleConfigScrapesThreeDcsWithADcLabel() throws Exception {
        JsonNode cfg = YAML.readTree(prometheusDir.resolve("prometheus.yml").toFile());
        assertTrue(YAML.convertValue(cfg.path("rule_files"), List.class).contains("imgfed-alerts.yml"));
        JsonNode job = null;
        for (JsonNode j : cfg.path("scrape_configs")) {
            if (j.path("job_name").asText().equals("imgfed")) {
                job = j;
            }
        }
        assertTrue(job != null, "a scrape job named imgfed (the rules select job=\"imgfed\")");
        assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
        Set<String> dcs = new TreeSet<>();
        for (JsonNode sc : job.path("static_configs")) {
            assertEquals(1, sc.path("targets").size(), "one target per DC");
            dcs.add(sc.path("labels").path("dc").asText());
        }
        assertEquals(3, dcs.size(), "three DCs, each with its own dc label: " + dcs);
        for (String dc : dcs) {
            assertTrue(dc.matches("[a-z0-9-]{1,63}"), "a DC name: " + dc);
        }
    }

    private static Set<String> diff(Set<String> want, Set<String> have) {
        Set<String> d = new TreeSet<>(want);
        d.removeAll(have);
        return d;
    }
}
