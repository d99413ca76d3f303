package io.imgfed.replicator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard {@code ops/grafana/imgfed-dashboard.json} and the metric names it and the alert
 * rules use, against a real scrape: a federation of two DCs, an image published in "a" and fetched twice
 * from "b" (a lazy pull, then a cache hit), so the lazily registered series exist too
 * ({@code imgfed_transfer_bytes_total} appears with the first cross-DC byte, {@code imgfed_file_requests_total}
 * with the first file request, the {@code vertx_http_server_requests_total} family with the first finished
 * request). Every metric a panel or an alert selects must be in b's {@code /metrics}, except the series
 * Prometheus itself makes ({@link #MADE_BY_PROMETHEUS}).
 *
 * <p>"b" runs in its own JVM, as in production: with several daemons in one JVM only the first gets the
 * Vert.x HTTP and JVM meters in its registry (vertx-micrometer shares one backend per registry name and the
 * daemon uses the default name), so an in-process second daemon's scrape lacks them.
 */
class GrafanaDashboardTest {
    /** Series that exist in Prometheus but not in any daemon's scrape. */
    static final Set<String> MADE_BY_PROMETHEUS = Set.of("up", "ALERTS");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestFederation fed;
    static DaemonProcess b;
    static JsonNode dashboard;
    static String scrape;
    /** Sample names in the scrape (histograms as _bucket, _count, _sum). */
    static Set<String> scraped;

    @BeforeAll
    static void scrapeATransfer() throws Exception {
        dashboard = JSON.readTree(OpsFiles.repoRoot().resolve("ops/grafana/imgfed-dashboard.json").toFile());
        fed = TestFederation.builder(dir).dc("a", "").external("b", "").start();
        b = DaemonProcess.start(dir.resolve("b-process"), fed.yaml("b"), fed.httpPort("b"));
        byte[] file = new byte[1024 * 1024 + 7];
        new Random(7).nextBytes(file);
        String uuid = fed.client("a").activeImage("dashboard", file);
        Await.until("b knows a holds the file", Duration.ofSeconds(20), () -> {
            JsonNode arr = b.client().get("/federation/availability?uuid=" + uuid).json();
            return arr.size() == 1 && arr.get(0).path("dcs").path("a").path("state").asText().equals("present");
        });
        ImgapiClient.Response miss = b.client().get("/images/" + uuid + "/file");
        assertEquals(200, miss.status(), miss.toString());
        assertEquals("miss", miss.header("X-Imgfed-Cache"));
        ImgapiClient.Response hit = b.client().get("/images/" + uuid + "/file");
        assertEquals("hit", hit.header("X-Imgfed-Cache"));
        Await.until("b counted the transfer", Duration.ofSeconds(20), () ->
                b.client().get("/metrics").text().contains("imgfed_transfers_total{result=\"completed\"} 1.0"));
        scrape = b.client().get("/metrics").text();
        scraped = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                scraped.add(line.split("[{ ]", 2)[0]);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (fed != null) {
            fed.close();
        }
    }

    /** Every panel that is not a row, with the rows' nested panels (collapsed rows keep theirs inside). */
    static List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if (p.path("type").asText().equals("row")) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** Panel title to its expressions. */
    static Map<String, List<String>> exprs() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JsonNode p : panels()) {
            List<String> e = new ArrayList<>();
            p.path("targets").forEach(t -> e.add(t.path("expr").asText()));
            out.put(p.path("title").asText(), e);
        }
        return out;
    }

    @Test
    void dashboardIsAGrafanaDashboardOverThePrometheusDatasourceVariable() {
        assertEquals(39, dashboard.path("schemaVersion").asInt());
        assertFalse(dashboard.path("uid").asText().isBlank());
        assertFalse(dashboard.path("title").asText().isBlank());
        Map<String, JsonNode> vars = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(v -> vars.put(v.path("name").asText(), v));
        assertEquals("datasource", vars.get("DS_PROMETHEUS").path("type").asText());
        assertEquals("prometheus", vars.get("DS_PROMETHEUS").path("query").asText());
        JsonNode dc = vars.get("dc");
        assertEquals("query", dc.path("type").asText());
        assertTrue(dc.path("definition").asText().contains("label_values(") && dc.path("definition").asText().contains(", dc)"),
                "dc comes from the scrape targets' dc label");
        assertTrue(dc.path("includeAll").asBoolean() && dc.path("multi").asBoolean());
        assertEquals(".*", dc.path("allValue").asText());

        Set<Integer> ids = new HashSet<>();
        List<String> rows = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            assertTrue(ids.add(p.path("id").asInt()), "panel ids are unique: " + p.path("id"));
            if (p.path("type").asText().equals("row")) {
                rows.add(p.path("title").asText());
            }
            JsonNode g = p.path("gridPos");
            assertTrue(g.path("w").asInt() > 0 && g.path("x").asInt() + g.path("w").asInt() <= 24, "fits the grid: " + p.path("title"));
        }
        for (String want : List.of("Federation", "Transfers", "Store", "Billing", "HTTP", "JVM")) {
            assertTrue(rows.stream().anyMatch(r -> r.startsWith(want)), "a row " + want + " in " + rows);
        }
        for (JsonNode p : panels()) {
            String title = p.path("title").asText();
            assertEquals("${DS_PROMETHEUS}", p.path("datasource").path("uid").asText(), title);
            assertFalse(p.path("targets").isEmpty(), title + " has queries");
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                assertEquals("${DS_PROMETHEUS}", t.path("datasource").path("uid").asText(), title);
                assertTrue(refIds.add(t.path("refId").asText()), title + ": refIds are unique");
                String expr = t.path("expr").asText();
                assertFalse(expr.isBlank(), title + " has an expression");
                assertTrue(expr.contains("dc=~\"$dc\""), title + " follows the dc variable: " + expr);
            }
        }
    }

    @Test
    void dashboardCoversTheSpecMetrics() {
        Set<String> used = new TreeSet<>();
        exprs().values().forEach(l -> l.forEach(e -> used.addAll(PromQl.metricNames(e))));
        for (String m : List.of("imgfed_transfer_bytes_total", "imgfed_transfers_total", "imgfed_transfers_inflight",
                "imgfed_file_requests_total", "imgfed_store_bytes", "imgfed_store_capacity_bytes", "imgfed_evictions_total",
                "imgfed_federation_members", "imgfed_gossip_lag_seconds_bucket", "imgfed_records_rejected_total",
                "imgfed_manifest_conflicts", "imgfed_billing_outbox_pending", "imgfed_billing_outbox_bytes",
                "imgfed_billing_outbox_alarm", "imgfed_billing_published_total", "imgfed_billing_publish_errors_total",
                "vertx_http_server_requests_total", "vertx_http_server_response_time_seconds_count", "jvm_memory_used_bytes")) {
            assertTrue(used.contains(m), "a panel shows " + m);
        }
    }

    @Test
    void everyPanelSelectsMetricsTheDaemonExports() {
        Map<String, Set<String>> missing = new LinkedHashMap<>();
        exprs().forEach((title, list) -> {
            for (String e : list) {
                Set<String> names = PromQl.metricNames(e);
                assertFalse(names.isEmpty(), title + ": no metric found in " + e);
                for (String n : names) {
                    if (!scraped.contains(n) && !MADE_BY_PROMETHEUS.contains(n)) {
                        missing.computeIfAbsent(title, k -> new TreeSet<>()).add(n);
                    }
                }
            }
        });
        assertTrue(missing.isEmpty(), "not in a real scrape: " + missing);
    }

    @Test
    void everyAlertRuleSelectsMetricsTheDaemonExports() throws Exception {
        Set<String> missing = new TreeSet<>();
        for (JsonNode rule : PrometheusRulesTest.rulesOf(OpsFiles.repoRoot())) {
            for (String n : PromQl.metricNames(rule.path("expr").asText())) {
                if (!scraped.contains(n) && !MADE_BY_PROMETHEUS.contains(n) && !n.contains(":")) {
                    missing.add(rule.path("alert").asText(rule.path("record").asText()) + ": " + n);
                }
            }
        }
        assertTrue(missing.isEmpty(), "not in a real scrape: " + missing);
    }

    @Test
    void scrapeHasTheSpecMetricsWithTheirLabels() {
        for (String series : List.of("imgfed_transfers_total{result=\"completed\"}", "imgfed_transfers_total{result=\"failed\"}",
                "imgfed_file_requests_total{cache=\"miss\"}", "imgfed_file_requests_total{cache=\"hit\"}",
                "imgfed_transfer_bytes_total{dest_dc=\"b\",reason=\"provision\",source_dc=\"a\"}",
                "imgfed_records_rejected_total{reason=\"bad_signature\"}", "imgfed_gossip_lag_seconds_bucket{le=\"+Inf\"}",
                "imgfed_federation_members 2.0")) {
            assertTrue(scrape.contains(series), "scrape has " + series);
        }
    }

    /** The dashboard's PromQL parses: promtool checks it as recording rules, with Grafana's variables filled in. */
    @Test
    void promtoolParsesEveryDashboardQuery() throws Exception {
        var promtool = OpsFiles.onPath("promtool");
        Assumptions.assumeTrue(promtool.isPresent(),
                "promtool is not installed (Debian package 'prometheus'; ops/ci/prepare installs it on CI)");
        List<Map<String, String>> rules = new ArrayList<>();
        int i = 0;
        for (List<String> list : exprs().values()) {
            for (String e : list) {
                rules.add(Map.of("record", "dashboard:query_" + i++, "expr", grafanaToPromql(e)));
            }
        }
        for (JsonNode a : dashboard.path("annotations").path("list")) {
            if (a.has("expr")) {
                rules.add(Map.of("record", "dashboard:annotation_" + i++, "expr", grafanaToPromql(a.path("expr").asText())));
            }
        }
        rules.add(Map.of("record", "dashboard:variable_dc", "expr", "imgfed_federation_members"));
        Path file = dir.resolve("dashboard-queries.yml");
        new YAMLMapper().writeValue(file.toFile(), Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules))));
        OpsFiles.Result r = OpsFiles.run(dir, 60, OpsFiles.cmd(promtool.get(), "check", "rules", file.toString()));
        assertEquals(0, r.exit(), r + "\n" + Files.readString(file, StandardCharsets.UTF_8));
        assertTrue(r.output().contains("SUCCESS: " + rules.size() + " rules found"), r.toString());
    }

    private static String grafanaToPromql(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__range", "6h").replace("$__interval", "30s")
                .replace("$dc", ".*");
    }

    /** promtool's metrics linter on imgfed's own families and Vert.x's HTTP ones (the JVM binder's are not ours to rename). */
    @Test
    void promtoolLintsTheImgfedAndHttpMetrics() throws Exception {
        var promtool = OpsFiles.onPath("promtool");
        Assumptions.assumeTrue(promtool.isPresent(),
                "promtool is not installed (Debian package 'prometheus'; ops/ci/prepare installs it on CI)");
        String ours = scrape.lines().filter(l -> l.replaceFirst("^# (HELP|TYPE) ", "").matches("^(imgfed_|vertx_http_server_).*"))
                .collect(Collectors.joining("\n", "", "\n"));
        assertTrue(ours.contains("# TYPE imgfed_transfers_total counter"), ours);
        Path file = dir.resolve("imgfed-metrics.txt");
        Files.writeString(file, ours);
        OpsFiles.Result r = OpsFiles.run(dir, 60, "sh", "-c", "\"$0\" check metrics < \"$1\"", promtool.get().toString(), file.toString());
        assertEquals(0, r.exit(), r.toString());
    }
}
