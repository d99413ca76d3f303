package io.imgfed.devkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap per image record from other DCs, gossip convergence and {@code /federation/availability} at scale
 * (issue 13): one real daemon (DC {@code dc0}, in its own JVM, so its heap is its own) in a federation with
 * {@code dcs - 1} other DCs simulated by {@link SimulatedDcs}, which put {@code images} images (manifest and
 * availability records, signed as a daemon signs them) on the board. Measures the daemon's live heap (jcmd
 * class histogram, after a full GC) before and after, class by class, and the time until its catalog holds
 * every image; then prints {@code READY <url> <uuid-file>} and waits for stdin to close while the suite runs
 * wrk against {@code /federation/availability}.
 *
 * <p>Usage: {@code FederationScaleBench <out.json> <dcs> <images>}; system properties {@code bench.tmp} (temp
 * root), {@code bench.daemonOpts} (extra JVM options of the daemon, such as {@code -Xmx4g}),
 * {@code bench.signers} (signing threads, default 2).
 */
public final class FederationScaleBench {
    private static final Pattern CATALOG = Pattern.compile("^imgfed_catalog_images\\S*\\s+([0-9.eE+]+)", Pattern.MULTILINE);
    private static final Pattern BACKLOG = Pattern.compile("^imgfed_board_backlog\\S*\\s+([0-9.eE+]+)", Pattern.MULTILINE);
    private static final int UUID_SAMPLE = 100_000;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        new FederationScaleBench().run(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    }

    /** dc0 (the daemon) and the simulated dc1..; listed, since trust on first use pins keys of listed DCs only. */
    private static List<String> dcNames(int dcCount) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < dcCount; i++) {
            names.add("dc" + i);
        }
        return names;
    }

    private void run(Path out, int dcCount, int images) throws Exception {
        Path root = Files.createTempDirectory(Path.of(System.getProperty("bench.tmp", "/tmp")), "imgfed-fedscale-");
        int httpPort = freePort();
        int peerPort = freePort();
        int hzDaemon = freePort();
        int hzSimulated = freePort();
        String cluster = "fedscale-" + ProcessHandle.current().pid();
        List<String> members = List.of("127.0.0.1:" + hzDaemon, "127.0.0.1:" + hzSimulated);
        Path yaml = root.resolve("dc0.yaml");
        Files.writeString(yaml, "dc: dc0\n"
                + "data: {dir: " + root.resolve("dc0") + "}\n"
                + "http: {port: " + httpPort + "}\n"
                + "peer: {port: " + peerPort + "}\n"
                + "federation: {cluster: " + cluster + ", port: " + hzDaemon + ", members: [" + String.join(", ", members)
                + "], dcs: [" + String.join(", ", dcNames(dcCount)) + "]}\n");
        List<String> argv = daemonCommand(yaml);
        Process daemon = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(root.resolve("dc0.log").toFile()).start();
        String base = "http://127.0.0.1:" + httpPort;
        ObjectNode result = Json.object();
        result.put("dcs", dcCount);
        result.put("images", images);
        result.put("daemon_command", String.join(" ", argv));
        result.put("daemon_log", root.resolve("dc0.log").toString());
        List<String> others = new ArrayList<>();
        for (int i = 1; i < dcCount; i++) {
            others.add("dc" + i);
        }
        try (SimulatedDcs simulated = awaitReady(base, daemon)
                ? new SimulatedDcs(cluster, hzSimulated, members, others, root.resolve("simulated")) : null) {
            if (simulated == null) {
                throw new IllegalStateException("the daemon did not get ready; see " + root.resolve("dc0.log"));
            }
            awaitAlive(base, dcCount);
            HeapHistogram before = HeapHistogram.of(daemon.pid());
            long cpu0 = cpuNanos(daemon.pid());
            long t0 = System.nanoTime();
            List<String> uuids = simulated.publishImages(images, Integer.getInteger("bench.signers", 2));
            double published = (System.nanoTime() - t0) / 1e9;
            double converged = awaitCatalog(base, images, t0);
            result.put("publish_seconds", published);
            result.put("converge_seconds", converged);
            result.put("daemon_cpu_seconds_loading", (cpuNanos(daemon.pid()) - cpu0) / 1e9);
            HeapHistogram after = HeapHistogram.of(daemon.pid());
            ObjectNode heap = after.minus(before, images, 40);
            heap.put("note", "live heap (jcmd GC.class_histogram, after a full GC) of DC dc0 alone, in its own JVM, "
                    + "after minus before the other DCs put " + images + " images (one manifest and one availability "
                    + "record each) on the board; divided by the number of images");
            result.set("heap", heap);
            result.put("daemon_rss_bytes", rss(daemon.pid()));

            List<String> sample = new ArrayList<>(uuids);
            Collections.shuffle(sample, new Random(42));
            Path uuidFile = root.resolve("uuids.txt");
            Files.write(uuidFile, sample.subList(0, Math.min(UUID_SAMPLE, sample.size())));
            result.put("availability_url", base + "/federation/availability?uuid=");
            result.put("uuid_file", uuidFile.toString());
            Files.writeString(out, new String(Json.bytes(result), StandardCharsets.UTF_8));
            System.out.println("READY " + base + " " + uuidFile);
            System.out.flush();
            while (System.in.read() >= 0) {
                // the suite runs wrk now and closes our stdin when done
            }
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        System.out.println("DONE");
    }

    /** The daemon runs as {@code ./imgfed serve} would: this JVM's classpath and module options, its own heap. */
    private static List<String> daemonCommand(Path yaml) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-")) {
                argv.add(a);
            }
        }
        String opts = System.getProperty("bench.daemonOpts", "").trim();
        if (!opts.isEmpty()) {
            argv.addAll(Arrays.asList(opts.split("\\s+")));
        }
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.imgfed.replicator.cli.Main", "serve",
                "--config", yaml.toString()));
        return argv;
    }

    private boolean awaitReady(String base, Process daemon) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline && daemon.isAlive()) {
            try {
                if (get(base + "/readyz").statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        return false;
    }

    private void awaitAlive(String base, int dcs) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            int alive = 0;
            for (JsonNode d : Json.tree(get(base + "/federation/dcs").body())) {
                alive += d.path("status").asText().equals("alive") ? 1 : 0;
            }
            if (alive == dcs) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the simulated DCs were not seen alive by dc0");
    }

    /**
     * Seconds from {@code t0} until the daemon's catalog holds {@code images} images and its board has processed
     * every record received (the availability records too, which may arrive after the manifests).
     */
    private double awaitCatalog(String base, int images, long t0) throws Exception {
        long deadline = t0 + Duration.ofHours(3).toNanos();
        long lastLog = 0;
        boolean settled = false;
        while (System.nanoTime() < deadline) {
            String metrics = new String(get(base + "/metrics").body(), StandardCharsets.UTF_8);
            Matcher m = CATALOG.matcher(metrics);
            long known = m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
            Matcher b = BACKLOG.matcher(metrics);
            long backlog = b.find() ? (long) Double.parseDouble(b.group(1)) : -1;
            if (known >= images && backlog == 0) {
                if (settled) {
                    return (System.nanoTime() - t0) / 1e9;
                }
                settled = true; // once more, a quarter second later: events may still be on their way to the board
            } else {
                settled = false;
            }
            if (System.nanoTime() - lastLog > Duration.ofSeconds(30).toNanos()) {
                lastLog = System.nanoTime();
                System.err.printf("fedscale: %d of %d images in dc0's catalog, board backlog %d, after %.0f s%n", known,
                        images, backlog, (lastLog - t0) / 1e9);
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("dc0's catalog did not reach " + images + " images in time");
    }

    private HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** User plus system CPU of a process, from /proc (Linux). */
    private static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
