package io.imgfed.devkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.devkit.DevImages;
import io.imgfed.devtools.DelayProxy;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ImageState;
import io.imgfed.replicator.Daemon;
import io.imgfed.replicator.config.ConfigLoader;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The federation benchmarks of issue 3, on loopback in one JVM: gossip convergence (activate in DC a until DC
 * c has the change), how fast {@code /federation/availability} answers with many images across five DCs
 * (the load itself comes from wrk, run by the suite script against the URL this prints), heap per image
 * record, and the same question asked the way it is done without imgfed (one GetImage per DC, in turn,
 * over links with WAN latency).
 *
 * <p>The DCs' Hazelcast members reach each other only through delay proxies ({@code federation.advertise}),
 * {@code hzDelayMs} one way on every link (0: directly). On loopback a proxy cannot tell the connecting DC by
 * its address, so every link gets the same delay; the chaos suite's {@code wan} scenario measures links of
 * different lengths (50 and 150 ms) with a namespace per DC.
 *
 * <p>Usage: {@code FederationBench <out.json> <dcs> <images> <convergeSamples> <heapImages> <wanDelayMs> [hzDelayMs]}.
 * Runs until stdin closes after printing {@code READY <url>}, so the suite can run wrk meanwhile.
 */
public final class FederationBench {
    private static final String OWNER = DevImages.OWNER;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] args) throws Exception {
        new FederationBench().run(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                args.length > 6 ? Integer.parseInt(args[6]) : 0);
    }

    private void run(Path out, int dcCount, int images, int samples, int heapImages, int wanDelayMs, int hzDelayMs)
            throws Exception {
        Path root = Files.createTempDirectory(Path.of(System.getProperty("bench.tmp", "/tmp")), "imgfed-fedbench-");
        ObjectNode result = Json.object();
        List<Daemon> dcs = new ArrayList<>();
        List<DelayProxy> hzProxies = new ArrayList<>();
        try {
            List<int[]> ports = new ArrayList<>();
            List<String> members = new ArrayList<>();
            List<String> advertised = new ArrayList<>();
            for (int i = 0; i < dcCount; i++) {
                ports.add(new int[] {freePort(), freePort(), freePort()});
                if (hzDelayMs > 0) {
                    DelayProxy p = DelayProxy.start("127.0.0.1", ports.get(i)[2], Duration.ofMillis(hzDelayMs));
                    hzProxies.add(p);
                    advertised.add(p.address());
                } else {
                    advertised.add(null);
                }
                members.add(hzDelayMs > 0 ? advertised.get(i) : "127.0.0.1:" + ports.get(i)[2]);
            }
            for (int i = 0; i < dcCount; i++) {
                dcs.add(start(root, "dc" + i, ports.get(i), members, advertised.get(i), names(dcCount)));
            }
            awaitAlive(dcs);
            result.put("hazelcast_one_way_delay_ms", hzDelayMs);

            long t0 = System.nanoTime();
            List<String> uuids = load(dcs, images);
            result.put("images", images);
            result.put("dcs", dcCount);
            result.put("load_seconds", (System.nanoTime() - t0) / 1e9);
            awaitKnown(dcs.get(dcs.size() - 1), images);

            result.set("convergence_ms", convergence(dcs.get(0), dcs.get(Math.min(2, dcs.size() - 1)), samples));
            result.set("sequential_lookup", sequential(dcs, uuids.get(uuids.size() / 2), wanDelayMs));

            Path uuidFile = root.resolve("uuids.txt");
            Files.write(uuidFile, uuids.subList(0, Math.min(uuids.size(), 2000)));
            result.put("availability_url", url(dcs.get(dcs.size() - 1)) + "/federation/availability?uuid=");
            result.put("uuid_file", uuidFile.toString());
            Files.writeString(out, new String(Json.bytes(result), StandardCharsets.UTF_8));
            System.out.println("READY " + url(dcs.get(dcs.size() - 1)) + " " + uuidFile);
            System.out.flush();
            // The suite runs wrk now; it closes our stdin when done.
            while (System.in.read() >= 0) {
                // wait
            }
        } finally {
            for (Daemon d : dcs) {
                d.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            hzProxies.forEach(DelayProxy::close);
        }
        if (heapImages > 0) {
            result.set("heap", heap(root, heapImages));
            Files.writeString(out, new String(Json.bytes(result), StandardCharsets.UTF_8));
        }
        System.out.println("DONE");
    }

    private static List<String> names(int dcCount) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < dcCount; i++) {
            names.add("dc" + i);
        }
        return names;
    }

    /** {@code dcNames}: every DC of the federation, for trust on first use (federation.dcs). */
    private static Daemon start(Path root, String dc, int[] p, List<String> members, String advertise,
            List<String> dcNames) throws Exception {
        String yaml = "dc: " + dc + "\n"
                + "data: {dir: " + root.resolve(dc) + "}\n"
                + "http: {port: " + p[0] + "}\n"
                + "peer: {port: " + p[1] + "}\n"
                + "federation: {cluster: fedbench-" + ProcessHandle.current().pid() + ", port: " + p[2]
                + (advertise == null ? "" : ", advertise: '" + advertise + "'") + ", members: ["
                + String.join(", ", members) + "], dcs: [" + String.join(", ", dcNames) + "]}\n";
        return Daemon.start(ConfigLoader.fromYaml(yaml)).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    /** Creates images spread over the DCs (each with a tiny file, activated), 32 at a time. */
    private List<String> load(List<Daemon> dcs, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<String>> f = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                f.add(pool.submit(() -> activeImage(url(dcs.get(k % dcs.size())), "fed-" + k)));
            }
            List<String> out = new ArrayList<>();
            for (Future<String> x : f) {
                out.add(x.get());
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    private String activeImage(String base, String name) throws Exception {
        ObjectNode m = DevImages.manifest(name);
        String uuid = send("POST", base + "/images", Json.bytes(m)).path("uuid").asText();
        send("PUT", base + "/images/" + uuid + "/file?compression=none", name.getBytes(StandardCharsets.UTF_8));
        send("POST", base + "/images/" + uuid + "?action=activate", "{}".getBytes(StandardCharsets.UTF_8));
        return uuid;
    }

    /**
     * Activation in DC a until DC c holds the change: timed inside this JVM by c's catalog listener, so polling
     * adds nothing. The image and its file exist before the clock starts.
     */
    private ObjectNode convergence(Daemon a, Daemon c, int samples) throws Exception {
        Map<String, Long> arrived = new ConcurrentHashMap<>();
        c.catalog().addListener((before, after) -> {
            if (after != null && after.state() == ImageState.ACTIVE) {
                arrived.putIfAbsent(after.uuid(), System.nanoTime());
            }
        });
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            ObjectNode m = DevImages.manifest("converge-" + i);
            String uuid = send("POST", url(a) + "/images", Json.bytes(m)).path("uuid").asText();
            send("PUT", url(a) + "/images/" + uuid + "/file?compression=none", ("c" + i).getBytes(StandardCharsets.UTF_8));
            long start = System.nanoTime();
            send("POST", url(a) + "/images/" + uuid + "?action=activate", "{}".getBytes(StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!arrived.containsKey(uuid) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Long at = arrived.get(uuid);
            ms.add(at == null ? Double.NaN : (at - start) / 1e6);
        }
        return percentiles(ms);
    }

    /**
     * "Where is image X?" the way it is asked without imgfed: GetImage at each DC in turn (here over delaying
     * proxies for WAN latency), against one local availability call.
     */
    private ObjectNode sequential(List<Daemon> dcs, String uuid, int delayMs) throws Exception {
        List<DelayProxy> proxies = new ArrayList<>();
        try {
            for (Daemon d : dcs) {
                proxies.add(DelayProxy.start("127.0.0.1", d.httpPort(), Duration.ofMillis(delayMs)));
            }
            List<Double> seq = new ArrayList<>();
            List<Double> one = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long t = System.nanoTime();
                for (DelayProxy p : proxies) {
                    get("http://" + p.address() + "/images/" + uuid);
                }
                seq.add((System.nanoTime() - t) / 1e6);
                t = System.nanoTime();
                get("http://" + proxies.get(0).address() + "/federation/availability?uuid=" + uuid);
                one.add((System.nanoTime() - t) / 1e6);
            }
            ObjectNode o = Json.object();
            o.put("one_way_delay_ms", delayMs);
            o.set("sequential_getimage_ms", percentiles(seq.subList(5, seq.size())));
            o.set("one_availability_call_ms", percentiles(one.subList(5, one.size())));
            return o;
        } finally {
            proxies.forEach(DelayProxy::close);
        }
    }

    /**
     * Heap per image record at a DC that knows N images homed elsewhere: heap after GC with them, minus before,
     * over N. Both DCs run in this JVM, so the record cost is measured at the receiving DC only by loading
     * through the sending DC after a baseline taken with both running.
     */
    private ObjectNode heap(Path root, int n) throws Exception {
        List<int[]> ports = List.of(new int[] {freePort(), freePort(), freePort()}, new int[] {freePort(), freePort(), freePort()});
        List<String> members = List.of("127.0.0.1:" + ports.get(0)[2], "127.0.0.1:" + ports.get(1)[2]);
        Daemon a = start(root.resolve("heap"), "heap-a", ports.get(0), members, null, List.of("heap-a", "heap-b"));
        Daemon b = start(root.resolve("heap"), "heap-b", ports.get(1), members, null, List.of("heap-a", "heap-b"));
        try {
            awaitAlive(List.of(a, b));
            long before = usedAfterGc();
            load(List.of(a), n);
            awaitKnown(b, n);
            long after = usedAfterGc();
            ObjectNode o = Json.object();
            o.put("images", n);
            o.put("heap_bytes_total", after - before);
            o.put("heap_bytes_per_image", (double) (after - before) / n);
            o.put("note", "both DCs run in the measuring JVM: the figure covers the record at its home DC and at the "
                    + "receiving DC (catalog index, cached JSON, the board's replicated copy on both members)");
            return o;
        } finally {
            b.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            a.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void awaitAlive(List<Daemon> dcs) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (Daemon d : dcs) {
            while (d.federation().directory().aliveCount() != dcs.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("federation did not form");
                }
                Thread.sleep(50);
            }
        }
    }

    private static void awaitKnown(Daemon d, int images) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (d.catalog().size() < images && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private JsonNode send(String method, String url, byte[] body) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", method.equals("PUT") ? "application/octet-stream" : "application/json").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + url + ": " + r.statusCode() + " " + new String(r.body()));
        }
        return Json.tree(r.body());
    }

    private void get(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.statusCode());
        }
    }

    static ObjectNode percentiles(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.removeIf(d -> d.isNaN());
        Collections.sort(v);
        ObjectNode o = Json.object();
        o.put("samples", v.size());
        o.put("lost", values.size() - v.size());
        if (!v.isEmpty()) {
            o.put("p50", v.get((int) Math.floor(0.50 * (v.size() - 1))));
            o.put("p99", v.get((int) Math.ceil(0.99 * (v.size() - 1))));
            o.put("max", v.get(v.size() - 1));
            o.put("mean", v.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        }
        ArrayNode all = o.putArray("all");
        values.forEach(all::add);
        return o;
    }

    private static String url(Daemon d) {
        return d.httpUrl();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
