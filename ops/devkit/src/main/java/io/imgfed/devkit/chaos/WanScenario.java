package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.devkit.DevImages;
import io.imgfed.protocol.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * The federation at WAN latency ({@link Wan}: east, west, eu 50 ms apart one way, ap 150 ms from each). Measures
 * gossip convergence per link, from a publish in one DC to its arrival in each other DC's catalog, and how long
 * each DC takes to call a SIGKILLed DC gone at its own {@code federation.goneAfter}. Checks that the member
 * list does not flap while nothing happens, that every publish arrives, and that the DCs that stay up keep
 * seeing each other alive while one is dead.
 */
final class WanScenario extends Scenario {
    /** Observers of the kill and their liveness settings: heartbeat 1 s, suspect, gone. */
    private static final Map<String, String[]> LIVENESS = new LinkedHashMap<>();
    /** An arrival later than this counts as lost. */
    private static final Duration LOST_AFTER = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 5;

    static {
        LIVENESS.put("east", new String[] {"2s", "4s"});
        LIVENESS.put("west", new String[] {"3s", "8s"});
        LIVENESS.put("eu", new String[] {"4s", "12s"});
    }

    WanScenario() {
        super("wan", "four DCs over WAN delays: gossip convergence per link, time to call a SIGKILLed DC gone per goneAfter");
    }

    @Override
    String cannotRun(ChaosRun run) {
        return run.network().namespaces() ? null
                : "needs network namespaces: per-link delays tell DCs apart by address (" + run.network().unavailableReason() + ")";
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        List<String> dcs = List.of("east", "west", "eu", Wan.FAR_DC);
        Cluster c = new Cluster(run, name(), dcs.toArray(String[]::new));
        LIVENESS.forEach((dc, s) -> c.configure(dc, "federation: {suspectAfter: " + s[0] + ", goneAfter: " + s[1] + "}"));
        ExecutorService pollers = Executors.newFixedThreadPool(dcs.size(), t -> {
            Thread th = new Thread(t, "chaos-wan-poll");
            th.setDaemon(true);
            return th;
        });
        try (c) {
            c.start();
            Map<String, Double> changesBefore = topologyChanges(c);
            int perDc = run.pick(20, 2);
            // kind (availability, manifest) -> measured from (from_publish, from_call) -> link -> milliseconds
            Map<String, Map<String, Map<String, List<Double>>>> ms = new TreeMap<>();
            for (int i = 0; i < perDc; i++) {
                for (String from : dcs) {
                    sample(run, c, pollers, from, "wan-" + from + "-" + i, ms);
                }
            }
            int lost = 0;
            int arrivals = 0;
            boolean targetsMet = true;
            ObjectNode conv = Json.object();
            for (Map.Entry<String, Map<String, Map<String, List<Double>>>> kind : ms.entrySet()) {
                ObjectNode k = conv.putObject(kind.getKey());
                for (Map.Entry<String, Map<String, List<Double>>> from : kind.getValue().entrySet()) {
                    ObjectNode f = k.putObject(from.getKey());
                    for (Map.Entry<String, List<Double>> link : from.getValue().entrySet()) {
                        ObjectNode p = percentiles(link.getValue());
                        long target = Long.parseLong(link.getKey().replace("ms", "")) + 250;
                        p.put("target_p99_ms", target);
                        boolean met = p.path("lost").asInt() == 0 && p.path("p99").asDouble(Double.MAX_VALUE) < target;
                        p.put("target_met", met);
                        f.set(link.getKey(), p);
                        if (from.getKey().equals("from_publish")) {
                            lost += p.path("lost").asInt();
                            arrivals += link.getValue().size();
                            targetsMet &= met;
                        }
                    }
                }
            }
            r.figure("convergence_ms", conv);
            r.figure("convergence_targets_met", targetsMet);
            r.note("convergence: every DC polled every " + POLL_MILLIS + " ms while one publishes (AddImageFile: the file's "
                    + "availability and the manifest with it; ActivateImage: the manifest); from_publish counts from the "
                    + "publishing DC's first answer showing the change to each other DC's, from_call from the start of the "
                    + "publishing call; per link by its one-way delay; target p99 < one-way delay + 250 ms (from_publish)");
            r.check("every publish reached every other DC within " + LOST_AFTER.toSeconds() + " s", lost == 0,
                    lost + " lost of " + arrivals + " arrivals; " + summary(conv));
            Map<String, Double> changesAfter = topologyChanges(c);
            r.check("the member list did not change while no DC came or went (no flapping over the delayed links)",
                    changesAfter.equals(changesBefore), "topology changes per DC before " + changesBefore + ", after " + changesAfter);

            killAndTime(run, c, r);
        } finally {
            pollers.shutdownNow();
        }
    }

    /**
     * One image created in {@code from} (untimed, until every DC knows it), then its file added (availability)
     * and its activation (manifest), each timed to its arrival in every other DC.
     */
    private void sample(ChaosRun run, Cluster c, ExecutorService pollers, String from, String name,
            Map<String, Map<String, Map<String, List<Double>>>> ms) throws Exception {
        DcProcess home = c.dc(from);
        List<DcProcess> others = c.all().stream().filter(d -> !d.name().equals(from)).toList();
        ObjectNode m = DevImages.manifest(name);
        Http.Resp created = run.http().post(home.url() + "/images", new String(Json.bytes(m)));
        Images.require(created, "CreateImage " + name + " in " + from);
        String uuid = created.json().path("uuid").asText();
        Await.until("every DC to know " + name, Duration.ofSeconds(30),
                () -> others.stream().allMatch(d -> d.get("/images/" + uuid).status() == 200));

        byte[] file = ("converge " + name).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        time(pollers, home, others, "/federation/availability?uuid=" + uuid,
                j -> j.path(0).path("dcs").path(from).path("state").asText().equals("present"),
                () -> Images.require(run.http().put(home.url() + "/images/" + uuid + "/file?compression=none", file),
                        "AddImageFile " + name),
                ms.computeIfAbsent("availability", k -> new TreeMap<>()));
        time(pollers, home, others, "/images/" + uuid, j -> j.path("state").asText().equals("active"),
                () -> Images.require(run.http().post(home.url() + "/images/" + uuid + "?action=activate", "{}"),
                        "ActivateImage " + name),
                ms.computeIfAbsent("manifest", k -> new TreeMap<>()));
    }

    /**
     * Runs {@code action} and polls every DC for {@code path} answering as {@code seen}: the publishing DC's first
     * such answer is the publication, each other DC's first is the arrival. Records each arrival's delay from the
     * publication ({@code from_publish}) and from the start of the call ({@code from_call}), by link.
     */
    private static void time(ExecutorService pollers, DcProcess home, List<DcProcess> others, String path,
            Predicate<JsonNode> seen, Runnable action, Map<String, Map<String, List<Double>>> into) throws Exception {
        long t0 = System.nanoTime();
        List<DcProcess> all = new ArrayList<>(others);
        all.add(home);
        List<Future<Long>> seenAt = new ArrayList<>();
        for (DcProcess d : all) {
            seenAt.add(pollers.submit(() -> {
                long deadline = t0 + LOST_AFTER.toNanos();
                while (System.nanoTime() < deadline) {
                    Http.Resp resp = d.get(path);
                    long at = System.nanoTime();
                    try {
                        if (resp.status() == 200 && seen.test(resp.json())) {
                            return at;
                        }
                    } catch (RuntimeException notYet) {
                        // not JSON yet: keep polling
                    }
                    Thread.sleep(POLL_MILLIS);
                }
                return null;
            }));
        }
        action.run();
        Long published = seenAt.get(all.size() - 1).get();
        for (int i = 0; i < others.size(); i++) {
            Long arrived = seenAt.get(i).get();
            String link = Wan.linkClass(home.name(), others.get(i).name());
            into.computeIfAbsent("from_call", k -> new TreeMap<>()).computeIfAbsent(link, k -> new ArrayList<>())
                    .add(arrived == null ? Double.NaN : (arrived - t0) / 1e6);
            into.computeIfAbsent("from_publish", k -> new TreeMap<>()).computeIfAbsent(link, k -> new ArrayList<>())
                    .add(arrived == null || published == null ? Double.NaN : Math.max(0, arrived - published) / 1e6);
        }
    }

    /**
     * SIGKILL of ap; each observer's time to call it gone at its own goneAfter, and the surviving DCs watched
     * for seeing each other anything but alive meanwhile.
     */
    private void killAndTime(ChaosRun run, Cluster c, ScenarioResult r) {
        String victim = Wan.FAR_DC;
        List<String> observers = new ArrayList<>(LIVENESS.keySet());
        Map<String, Double> suspectAt = new TreeMap<>();
        Map<String, Double> goneAt = new TreeMap<>();
        List<String> collateral = new ArrayList<>();
        run.log("  SIGKILL of " + victim + "; observers " + LIVENESS.keySet() + " at goneAfter "
                + LIVENESS.values().stream().map(s -> s[1]).toList());
        long t0 = System.nanoTime();
        c.kill(victim);
        long deadline = t0 + Duration.ofSeconds(40).toNanos();
        while (goneAt.size() < observers.size() && System.nanoTime() < deadline) {
            for (String o : observers) {
                if (goneAt.containsKey(o)) {
                    continue;
                }
                Http.Resp resp = c.dc(o).get("/federation/dcs");
                double at = (System.nanoTime() - t0) / 1e9;
                if (resp.status() != 200) {
                    continue;
                }
                for (JsonNode d : resp.json()) {
                    String n = d.path("name").asText();
                    String st = d.path("status").asText();
                    if (n.equals(victim)) {
                        if (!st.equals("alive")) {
                            suspectAt.putIfAbsent(o, at);
                        }
                        if (st.equals("gone")) {
                            goneAt.put(o, at);
                        }
                    } else if (!st.equals("alive") && collateral.size() < 10) {
                        collateral.add(String.format("%.1f s: %s saw %s %s", at, o, n, st));
                    }
                }
            }
            Await.sleep(50);
        }
        Map<String, Object> byGoneAfter = new LinkedHashMap<>();
        boolean inBounds = goneAt.size() == observers.size();
        StringBuilder detail = new StringBuilder();
        for (String o : observers) {
            String[] s = LIVENESS.get(o);
            double gone = parseSeconds(s[1]);
            Double at = goneAt.get(o);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("observer", o);
            f.put("suspect_after_s", parseSeconds(s[0]));
            f.put("suspect_called_s", suspectAt.get(o));
            f.put("gone_called_s", at);
            byGoneAfter.put(s[1], f);
            // The last heartbeat left up to one interval before the kill and arrived one-way later; the judgement runs
            // every quarter of suspectAfter, and the poll every 50 ms plus an HTTP call.
            double lower = gone - 1.0;
            double upper = gone + Wan.FAR.toMillis() / 1000.0 + parseSeconds(s[0]) / 4 + 1.0;
            inBounds &= at != null && at >= lower && at <= upper;
            detail.append(String.format("%s (goneAfter %s): %s; ", o, s[1],
                    at == null ? "never" : String.format("%.2f s, bounds [%.1f, %.2f]", at, lower, upper)));
        }
        r.figure("seconds_to_call_a_killed_dc_gone", byGoneAfter);
        r.check("each DC calls the SIGKILLed DC gone at its own goneAfter (after the last heartbeat, within a "
                + "heartbeat, the one-way delay and its judging interval)", inBounds, detail.toString());
        r.check("the DCs that stay up see each other alive throughout", collateral.isEmpty(),
                collateral.isEmpty() ? "no other DC was ever suspect or gone" : String.join("; ", collateral));
    }

    private static double parseSeconds(String s) {
        return Double.parseDouble(s.replace("s", ""));
    }

    private static Map<String, Double> topologyChanges(Cluster c) {
        Map<String, Double> out = new TreeMap<>();
        for (DcProcess d : c.all()) {
            out.put(d.name(), d.metric("imgfed_federation_topology_changes_total"));
        }
        return out;
    }

    private static String summary(ObjectNode conv) {
        StringBuilder sb = new StringBuilder();
        conv.fields().forEachRemaining(kind -> kind.getValue().path("from_publish").fields().forEachRemaining(link ->
                sb.append(String.format("%s over %s: p50 %.0f ms, p99 %.0f ms (%d); ", kind.getKey(), link.getKey(),
                        link.getValue().path("p50").asDouble(Double.NaN), link.getValue().path("p99").asDouble(Double.NaN),
                        link.getValue().path("samples").asInt()))));
        return sb.toString();
    }

    /** p50, p99, max over the values that arrived; {@code lost} counts those that did not (NaN). */
    static ObjectNode percentiles(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.removeIf(d -> d.isNaN());
        Collections.sort(v);
        ObjectNode o = Json.object();
        o.put("samples", v.size());
        o.put("lost", values.size() - v.size());
        if (!v.isEmpty()) {
            o.put("p50", Math.round(v.get((int) Math.floor(0.50 * (v.size() - 1))) * 10) / 10.0);
            o.put("p99", Math.round(v.get((int) Math.ceil(0.99 * (v.size() - 1))) * 10) / 10.0);
            o.put("max", Math.round(v.get(v.size() - 1) * 10) / 10.0);
        }
        return o;
    }
}
