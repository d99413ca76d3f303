package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last phase of the {@code wan} scenario: ap is SIGKILLed while east, west and eu judge liveness each at its
 * own {@code federation.goneAfter} ({@link #LIVENESS}); times each one's call, and watches the DCs that stay up
 * for seeing each other anything but alive meanwhile.
 */
final class GonePhase {
    /** Observers of the kill and their liveness settings (heartbeat 1 s): suspectAfter, goneAfter. */
    static final Map<String, String[]> LIVENESS = new LinkedHashMap<>();

    static {
        LIVENESS.put("east", new String[] {"2s", "4s"});
        LIVENESS.put("west", new String[] {"3s", "8s"});
        LIVENESS.put("eu", new String[] {"4s", "12s"});
    }

    private GonePhase() {
    }

    /** Configures the observers' liveness settings; before the cluster starts. */
    static void configure(Cluster c) {
        LIVENESS.forEach((dc, s) -> c.configure(dc, "federation: {suspectAfter: " + s[0] + ", goneAfter: " + s[1] + "}"));
    }

    /**
     * SIGKILL of ap; each observer's time to call it gone at its own goneAfter, and the surviving DCs watched
     * for seeing each other anything but alive meanwhile.
     */
    static void run(ChaosRun run, Cluster c, ScenarioResult r) {
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

}
