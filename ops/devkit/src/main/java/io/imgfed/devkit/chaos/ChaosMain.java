package io.imgfed.devkit.chaos;

import io.imgfed.devtools.DevKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos suite ({@code ops/chaos/run}): DCs as separate daemon processes, each in its own network
 * namespace, Kafka and the WAN delay proxies in this JVM; each scenario injects one fault and checks its
 * invariant. Writes {@code summary.json} and {@code summary.md} next to the DCs' logs and exits 0 only when
 * no scenario failed (skipped ones are reported with the reason).
 *
 * <p>Usage: {@code ChaosMain [--short] [--loopback] [--results DIR] [SCENARIO...]}
 */
public final class ChaosMain {
    static final List<String> DCS = List.of("east", "west", "eu", Wan.FAR_DC);

    private ChaosMain() {
    }

    static List<Scenario> all() {
        return List.of(new WanScenario(), new KillSourceScenario(), new KillDestinationScenario(),
                new KafkaDownScenario(), new DiskFullScenario(), new LoadScenario());
    }

    public static void main(String[] args) throws Exception {
        boolean shortRun = false;
        boolean loopback = false;
        Path results = null;
        List<String> wanted = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--short" -> shortRun = true;
                case "--loopback" -> loopback = true;
                case "--results" -> results = Path.of(args[++i]);
                case "--list" -> {
                    all().forEach(s -> System.out.printf("%-18s %s%n", s.name(), s.title()));
                    return;
                }
                case "-h", "--help" -> {
                    System.out.println("usage: ops/chaos/run [--short] [--loopback] [--list] [SCENARIO...]");
                    return;
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        System.err.println("chaos: unknown option " + args[i]);
                        System.exit(2);
                    }
                    wanted.add(args[i]);
                }
            }
        }
        List<Scenario> scenarios = new ArrayList<>();
        for (Scenario s : all()) {
            if (wanted.isEmpty() || wanted.contains(s.name())) {
                scenarios.add(s);
            }
        }
        for (String w : wanted) {
            if (all().stream().noneMatch(s -> s.name().equals(w))) {
                System.err.println("chaos: no scenario " + w + " (--list shows them)");
                System.exit(2);
            }
        }
        Path repo = Path.of(System.getProperty("chaos.root", ".")).toAbsolutePath().normalize();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        if (results == null) {
            results = repo.resolve("ops/chaos/results").resolve(stamp);
        }
        Files.createDirectories(results);
        Ledger ledger = new Ledger(results.resolve(".resources"));
        Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "imgfed-chaos-");
        ledger.add("dir", work.toString());
        Runtime.getRuntime().addShutdownHook(new Thread(ledger::cleanUp, "imgfed-chaos-cleanup"));

        ChaosRun run = new ChaosRun(shortRun, repo, results, work, ledger);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("started_at", Instant.now().toString());
        info.put("mode", shortRun ? "short" : "full");
        info.put("commit", System.getProperty("chaos.commit", "unknown"));
        info.put("cpus", Runtime.getRuntime().availableProcessors());
        info.put("load_average_at_start", loadAverage());
        info.put("java", System.getProperty("java.version"));
        info.put("wan", Wan.describe());
        List<ScenarioResult> done = new ArrayList<>();
        long t0 = System.nanoTime();
        boolean failed = false;
        try {
            run.log("imgfed chaos suite (" + (shortRun ? "--short" : "full") + "), results in " + results);
            Network net = Network.create(ledger, DCS, !loopback);
            run.network(net);
            info.put("network", net.namespaces() ? "network namespaces imgfed-{" + String.join(",", DCS) + "} on bridge "
                    + Network.BRIDGE + " (" + Network.HUB + "/24)" : "loopback (" + net.unavailableReason() + ")");
            run.log("network: " + info.get("network"));
            DevKafkaBroker kafka = DevKafkaBroker.start(work.resolve("kafka"), net.hub());
            run.kafka(kafka);
            kafka.createTopic(ChaosRun.TOPIC, 3);
            run.log("Kafka at " + kafka.bootstrap());

            for (Scenario s : scenarios) {
                ScenarioResult r = new ScenarioResult(s.name(), s.title());
                long s0 = System.nanoTime();
                String why = s.cannotRun(run);
                if (why != null) {
                    r.skip(why);
                    run.log("SKIP " + s.name() + ": " + why);
                } else {
                    run.log("=== " + s.name() + ": " + s.title());
                    try {
                        s.run(run, r);
                    } catch (Exception | AssertionError e) {
                        r.error(e.getClass().getSimpleName() + ": " + e.getMessage());
                        run.log("  ERROR " + e);
                        e.printStackTrace(System.err);
                    } finally {
                        if (!run.kafka().running()) {
                            run.kafka().restart();
                        }
                    }
                }
                r.finish(Await.seconds(s0));
                done.add(r);
                for (ScenarioResult.Check c : r.checks()) {
                    if (!c.ok()) {
                        run.log("  VIOLATED " + c.name() + ": " + c.detail());
                    }
                }
                run.log(String.format("%s %s in %.1f s%s", r.status(), s.name(), r.seconds(),
                        r.reason() == null ? "" : " (" + r.reason() + ")"));
                failed |= r.status() == ScenarioResult.Status.FAIL || r.status() == ScenarioResult.Status.ERROR;
            }
        } catch (Exception e) {
            failed = true;
            run.log("chaos run aborted: " + e);
            e.printStackTrace(System.err);
            info.put("aborted", e.toString());
        } finally {
            if (run.kafka() != null) {
                try {
                    run.kafka().close();
                } catch (RuntimeException e) {
                    run.log("stopping Kafka: " + e);
                }
            }
            if (run.network() != null) {
                run.network().close();
            }
            List<String> problems = ledger.cleanUp();
            if (!problems.isEmpty()) {
                failed = true;
                run.log("clean-up problems: " + problems);
                info.put("cleanup_problems", problems);
            }
            run.http().close();
            info.put("finished_at", Instant.now().toString());
            info.put("seconds", Await.seconds(t0));
            Report.write(results, info, done);
            run.log("summary: " + results.resolve("summary.md"));
        }
        run.log(failed ? "CHAOS SUITE FAILED" : "chaos suite passed (" + done.size() + " scenario(s))");
        // The closing line in the form test runners use, so that CI logs read the same for every suite.
        long passed = done.stream().filter(r -> r.status() == ScenarioResult.Status.PASS).count();
        long skipped = done.stream().filter(r -> r.status() == ScenarioResult.Status.SKIP).count();
        // A run that failed outside any scenario (set-up, clean-up) counts as one failure.
        long failures = Math.max(done.size() - passed - skipped, failed ? 1 : 0);
        System.out.println("chaos: " + passed + " passed, " + failures + " failed, " + skipped + " skipped");
        System.exit(failed ? 1 : 0);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
