package io.imgfed.devkit.chaos;

import java.util.Map;

/**
 * The federation at WAN latency ({@link Wan}: east, west and eu 50 ms apart one way, ap 150 ms from each), in
 * three phases on one cluster of four DCs: gossip convergence per link while nothing else happens
 * ({@link ConvergencePhase}), a partition of eu and ap from east and west with publications and deletions on both
 * sides, then healed ({@link PartitionPhase}), and ap SIGKILLed, each other DC calling it gone at its own
 * goneAfter ({@link GonePhase}).
 */
final class WanScenario extends Scenario {
    WanScenario() {
        super("wan", "four DCs over WAN delays: convergence per link; eu and ap partitioned from east and west, "
                + "publish and delete on both sides, heal: serving goes on, views converge, nothing lost or resurrected; "
                + "ap SIGKILLed: gone per goneAfter");
    }

    @Override
    String cannotRun(ChaosRun run) {
        return run.network().namespaces() ? null
                : "needs network namespaces for per-link delays and a real cut (" + run.network().unavailableReason() + ")";
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        Cluster c = new Cluster(run, name(), "east", "west", "eu", Wan.FAR_DC);
        GonePhase.configure(c);
        try (c) {
            c.start();
            run.log("  convergence: " + run.pick(20, 2) + " images per DC");
            Map<String, String> created = ConvergencePhase.run(run, c, r);
            PartitionPhase.run(run, c, r, created);
            GonePhase.run(run, c, r);
        }
    }
}
