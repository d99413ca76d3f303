package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devkit.chaos.Images.Image;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load: 200 concurrent provisioning clients (40 with --short) for 2 minutes (15 s) against 10 cold images
 * homed across 3 DCs. Each client loops: a random image from a random DC, GetImageFile, sha1 and
 * Content-MD5 checked. Zero wrong bytes; each file crosses into each DC once (one completed transfer per
 * image and destination, moving exactly the file's size, and the WAN links carry each such file once).
 */
final class LoadScenario extends Scenario {
    private static final int IMAGES = 10;

    LoadScenario() {
        super("load",
                "concurrent provisioning clients, 10 cold images, 3 DCs: zero wrong bytes, each file crosses once");
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        int clients = run.pick(200, 40);
        int seconds = run.pick(120, 15);
        int base = run.pick(8 << 20, 2 << 20);
        int step = run.pick(1 << 20, 256 << 10);
        r.figure("clients", clients);
        r.figure("seconds", seconds);
        try (Cluster c = new Cluster(run, name(), "east", "west", "eu").start()) {
            List<DcProcess> dcs = c.all();
            List<Image> images = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < IMAGES; i++) {
                DcProcess home = dcs.get(i % dcs.size());
                images.add(Images.publish(run, home, "load-" + i, Images.file(base + i * step, 600 + i)));
                total += base + (long) i * step;
            }
            r.figure("image_bytes_total", total);
            for (DcProcess d : dcs) {
                Await.until(d.name() + " to see every image's home holding it", Duration.ofSeconds(60), () -> {
                    for (Image i : images) {
                        JsonNode a = d.json("/federation/availability?uuid=" + i.uuid()).path(0);
                        if (!a.path("dcs").path(i.home()).path("state").asText().equals("present")) {
                            return false;
                        }
                    }
                    return true;
                });
            }
            Map<String, Long> proxyBefore = new TreeMap<>();
            for (String n : c.names()) {
                proxyBefore.put(n, c.proxy(n).bytesForwarded());
            }

            Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
            Map<String, AtomicLong> cache = new ConcurrentHashMap<>();
            Set<String> requestedPairs = ConcurrentHashMap.newKeySet();
            List<String> wrongSamples = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> errorSamples = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicLong bytes = new AtomicLong();
            AtomicLong wrong = new AtomicLong();
            long t0 = System.nanoTime();
            long end = t0 + Duration.ofSeconds(seconds).toNanos();
            List<Thread> threads = new ArrayList<>();
            run.log("  " + clients + " clients for " + seconds + " s");
            for (int k = 0; k < clients; k++) {
                int id = k;
                Thread t = new Thread(() -> {
                    SplittableRandom rnd = new SplittableRandom(7000 + id);
                    while (System.nanoTime() < end) {
                        Image i = images.get(rnd.nextInt(images.size()));
                        DcProcess d = dcs.get(rnd.nextInt(dcs.size()));
                        requestedPairs.add(i.uuid() + "@" + d.name());
                        Http.Download dl = d.download(i.uuid(), Duration.ofSeconds(60));
                        String kind;
                        if (dl.matches(i.sha1(), i.md5(), i.size())) {
                            kind = "ok";
                            bytes.addAndGet(dl.bytes());
                        } else if (dl.complete()) {
                            kind = "wrong_bytes";
                            wrong.incrementAndGet();
                            if (wrongSamples.size() < 5) {
                                wrongSamples.add(d.name() + "/" + i.name() + ": " + dl + " sha1 " + dl.sha1() + " md5 "
                                        + dl.md5() + " Content-MD5 " + dl.contentMd5());
                            }
                        } else {
                            kind = dl.kind();
                            if (errorSamples.size() < 5) {
                                errorSamples.add(d.name() + "/" + i.name() + ": " + dl);
                            }
                        }
                        outcomes.computeIfAbsent(kind, x -> new AtomicLong()).incrementAndGet();
                        if (dl.cache() != null) {
                            cache.computeIfAbsent(dl.cache(), x -> new AtomicLong()).incrementAndGet();
                        }
                    }
                }, "chaos-client-" + k);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            long joinBy = end + Duration.ofSeconds(120).toNanos();
            for (Thread t : threads) {
                t.join(Math.max(1, (joinBy - System.nanoTime()) / 1_000_000));
            }
            double elapsed = Await.seconds(t0);
            long stuck = threads.stream().filter(Thread::isAlive).count();
            long requests = outcomes.values().stream().mapToLong(AtomicLong::get).sum();
            long okCount = outcomes.getOrDefault("ok", new AtomicLong()).get();
            r.figure("requests", requests);
            r.figure("outcomes", snapshot(outcomes));
            r.figure("cache", snapshot(cache));
            r.figure("bytes_served", bytes.get());
            r.figure("requests_per_second", Math.round(requests / elapsed * 10) / 10.0);
            r.figure("mib_per_second_served", Math.round(bytes.get() / 1048576.0 / elapsed * 10) / 10.0);
            r.check("zero wrong bytes (every complete answer has the right sha1, md5, Content-MD5 and length)",
                    wrong.get() == 0 && stuck == 0, wrong.get() + " wrong of " + requests + " answers" + (stuck == 0 ? ""
                            : ", " + stuck + " clients stuck") + (wrongSamples.isEmpty() ? "" : " " + wrongSamples));
            r.check("every request was answered with the file", okCount == requests && requests > 0,
                    okCount + " of " + requests + " ok" + (errorSamples.isEmpty() ? "" : "; e.g. " + errorSamples));

            for (DcProcess d : dcs) {
                Await.until(d.name() + "'s transfers to end", Duration.ofSeconds(60), () -> Invariants.noneRunning(d));
            }
            List<String> uuids = images.stream().map(Image::uuid).toList();
            List<String> problems = new ArrayList<>();
            int pairs = 0;
            long expectedWan = 0;
            for (DcProcess d : dcs) {
                List<JsonNode> ts = Invariants.transfers(d, uuids);
                long expectedIn = 0;
                for (Image i : images) {
                    List<JsonNode> mine = ts.stream().filter(t -> t.path("image").asText().equals(i.uuid())).toList();
                    if (i.home().equals(d.name())) {
                        if (!mine.isEmpty()) {
                            problems.add(i.name() + " pulled into its own home " + d.name());
                        }
                        continue;
                    }
                    if (!requestedPairs.contains(i.uuid() + "@" + d.name())) {
                        continue;
                    }
                    pairs++;
                    expectedIn += i.size();
                    if (mine.size() != 1 || !mine.get(0).path("state").asText().equals("completed")
                            || mine.get(0).path("moved").asLong() != i.size()) {
                        problems.add(i.name() + " into " + d.name() + ": " + mine.size() + " transfer(s) "
                                + mine.stream().map(t -> t.path("state").asText() + "/" + t.path("moved").asLong()).toList());
                    }
                }
                double metered = d.metric("imgfed_transfer_bytes_total", "dest_dc=\"" + d.name() + "\"");
                if (Double.isNaN(metered)) {
                    metered = 0;
                }
                expectedWan += expectedIn;
                if ((long) metered != expectedIn) {
                    problems.add(d.name() + ": imgfed_transfer_bytes_total " + (long) metered + " != " + expectedIn);
                }
            }
            r.figure("image_dc_pairs_pulled", pairs);
            r.check("each file crossed into each DC once: one completed transfer per (image, dest DC) moving exactly its size, "
                    + "and imgfed_transfer_bytes_total agrees", problems.isEmpty() && pairs > 0,
                    pairs + " (image, DC) pairs" + (problems.isEmpty() ? "" : "; " + problems));
            long wan = 0;
            for (String n : c.names()) {
                wan += c.proxy(n).bytesForwarded() - proxyBefore.get(n);
            }
            r.figure("wan_bytes_through_proxies", wan);
            r.figure("wan_bytes_of_files_pulled", expectedWan);
            // Headers of each request and answer are all the links carry besides the files (about 1 KiB a pull).
            long headerAllowance = 64L * 1024 + 4096L * pairs;
            r.check("the WAN links carried each pulled file once: file bytes <= bytes through the proxies <= file bytes + headers",
                    wan >= expectedWan && wan <= expectedWan + headerAllowance,
                    wan + " bytes through the proxies for " + expectedWan + " bytes of files pulled");
            for (DcProcess d : dcs) {
                Invariants.awaitTmpEmpty(d, Duration.ofSeconds(10));
            }
            Invariants.auditAll(c, r, "after the load");
        }
    }

    private static Map<String, Long> snapshot(Map<String, AtomicLong> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
