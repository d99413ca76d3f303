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
 * The convergence phase of the {@code wan} scenario: images created one after another in each DC in turn, each
 * file added and each image activated while every DC is polled, timing each publication's arrival in every
 * other DC by link. Nothing else happens meanwhile, so the member list must not change either.
 */
final class ConvergencePhase {
    /** An arrival later than this counts as lost. */
    private static final Duration LOST_AFTER = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 5;

    /** One publication's arrival at one DC, from the publication. */
    private record Arrival(String kind, String from, String to, String image, double ms) {
        @Override
        public String toString() {
            return String.format("%s %s -> %s (%s): %.0f ms", kind, from, to, image, ms);
        }
    }

    private ConvergencePhase() {
    }

    /** Runs the phase; returns the images it created (uuid to home), which every DC then lists. */
    static Map<String, String> run(ChaosRun run, Cluster c, ScenarioResult r) throws Exception {
        List<String> dcs = c.names();
        ExecutorService pollers = Executors.newFixedThreadPool(dcs.size(), t -> {
            Thread th = new Thread(t, "chaos-wan-poll");
            th.setDaemon(true);
            return th;
        });
        Map<String, String> created = new LinkedHashMap<>();
        try {
            Map<String, Double> changesBefore = topologyChanges(c);
            int perDc = run.pick(20, 2);
            // kind (availability, manifest) -> measured from (from_publish, from_call) -> link -> milliseconds
            Map<String, Map<String, Map<String, List<Double>>>> ms = new TreeMap<>();
            List<Arrival> arrivalsSeen = new ArrayList<>();
            for (int i = 0; i < perDc; i++) {
                for (String from : dcs) {
                    created.put(sample(run, c, pollers, from, "wan-" + from + "-" + i, ms, arrivalsSeen), from);
                }
            }
            // Where the tail comes from: one slow DC, one slow publisher, or spread over all.
            arrivalsSeen.sort((a, b) -> Double.compare(b.ms(), a.ms()));
            r.figure("slowest_arrivals", arrivalsSeen.subList(0, Math.min(6, arrivalsSeen.size())).stream()
                    .map(Arrival::toString).toList());
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
        } finally {
            pollers.shutdownNow();
        }
        return created;
    }

    /**
     * One image created in {@code from} (untimed, until every DC knows it), then its file added (availability)
     * and its activation (manifest), each timed to its arrival in every other DC.
     */
    private static String sample(ChaosRun run, Cluster c, ExecutorService pollers, String from, String name,
            Map<String, Map<String, Map<String, List<Double>>>> ms, List<Arrival> arrivals) throws Exception {
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
                ms.computeIfAbsent("availability", k -> new TreeMap<>()), arrivals, "availability", name);
        time(pollers, home, others, "/images/" + uuid, j -> j.path("state").asText().equals("active"),
                () -> Images.require(run.http().post(home.url() + "/images/" + uuid + "?action=activate", "{}"),
                        "ActivateImage " + name),
                ms.computeIfAbsent("manifest", k -> new TreeMap<>()), arrivals, "manifest", name);
        return uuid;
    }

    /**
     * Runs {@code action} and polls every DC for {@code path} answering as {@code seen}: the publishing DC's first
     * such answer is the publication, each other DC's first is the arrival. Records each arrival's delay from the
     * publication ({@code from_publish}) and from the start of the call ({@code from_call}), by link.
     */
    private static void time(ExecutorService pollers, DcProcess home, List<DcProcess> others, String path,
            Predicate<JsonNode> seen, Runnable action, Map<String, Map<String, List<Double>>> into, List<Arrival> arrivals,
            String kind, String image) throws Exception {
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
            double fromPublish = arrived == null || published == null ? Double.NaN : Math.max(0, arrived - published) / 1e6;
            into.computeIfAbsent("from_call", k -> new TreeMap<>()).computeIfAbsent(link, k -> new ArrayList<>())
                    .add(arrived == null ? Double.NaN : (arrived - t0) / 1e6);
            into.computeIfAbsent("from_publish", k -> new TreeMap<>()).computeIfAbsent(link, k -> new ArrayList<>())
                    .add(fromPublish);
            arrivals.add(new Arrival(kind, home.name(), others.get(i).name(), image,
                    Double.isNaN(fromPublish) ? Double.MAX_VALUE : fromPublish));
        }
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
