package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.billing.TransferEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The observations the scenarios' invariants are made of. */
final class Invariants {
    private Invariants() {
    }

    /** A DC's store as found on disk: every blob re-hashed, and what is left in tmp. */
    record StoreAudit(int blobs, long bytes, List<String> bad, List<String> tmp, Set<String> sha1s) {
        boolean clean() {
            return bad.isEmpty() && tmp.isEmpty();
        }

        @Override
        public String toString() {
            return blobs + " blob(s), " + bytes + " bytes, " + (bad.isEmpty() ? "all hash right" : "BAD: " + bad)
                    + (tmp.isEmpty() ? ", tmp empty" : ", tmp holds " + tmp);
        }
    }

    /** Hashes every file under {@code data/blobs}: a blob is good when its content's sha1 is its name. */
    static StoreAudit audit(Path dataDir) {
        List<String> bad = new ArrayList<>();
        List<String> tmp = new ArrayList<>();
        Set<String> names = new java.util.TreeSet<>();
        long bytes = 0;
        int blobs = 0;
        Path root = dataDir.resolve("blobs");
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    blobs++;
                    bytes += Files.size(p);
                    String name = p.getFileName().toString();
                    String actual = sha1(p);
                    names.add(name);
                    if (!actual.equals(name) || !p.getParent().getFileName().toString().equals(name.substring(0, 2))) {
                        bad.add(root.relativize(p) + " hashes to " + actual);
                    }
                }
            } catch (IOException e) {
                bad.add("cannot read the store: " + e);
            }
        }
        Path t = dataDir.resolve("tmp");
        if (Files.isDirectory(t)) {
            try (Stream<Path> s = Files.list(t)) {
                s.forEach(p -> {
                    long size = -1;
                    try {
                        size = Files.size(p);
                    } catch (IOException gone) {
                        // raced with a delete
                    }
                    tmp.add(p.getFileName() + " (" + size + " bytes)");
                });
            } catch (IOException e) {
                tmp.add("cannot list tmp: " + e);
            }
        }
        return new StoreAudit(blobs, bytes, bad, tmp, names);
    }

    static String sha1(Path p) throws IOException {
        MessageDigest d = Http.digest("SHA-1");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** Audits every DC of a cluster (running or not) and records one check per DC. */
    static boolean auditAll(Cluster c, ScenarioResult r, String when) {
        boolean ok = true;
        for (DcProcess d : c.all()) {
            StoreAudit a = audit(d.dataDir());
            ok &= r.check("store of " + d.name() + " " + when + ": no blob with a wrong sha1, tmp empty", a.clean(),
                    a.toString());
        }
        return ok;
    }

    /** Waits (bounded) until a DC's tmp is empty: a transfer that just ended may still be deleting its file. */
    static void awaitTmpEmpty(DcProcess d, Duration deadline) {
        Await.within(deadline, () -> audit(d.dataDir()).tmp().isEmpty());
    }

    /** A DC's ListImages?state=all: uuid to home_dc, with the count of each uuid (duplicates show as > 1). */
    record Listing(Map<String, String> homes, Map<String, Integer> counts) {
        List<String> duplicates() {
            List<String> d = new ArrayList<>();
            counts.forEach((u, n) -> {
                if (n > 1) {
                    d.add(u + " x" + n);
                }
            });
            return d;
        }
    }

    static Listing listing(DcProcess d) {
        Map<String, String> homes = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        JsonNode arr = d.json("/images?state=all&limit=1000");
        for (JsonNode m : arr) {
            String u = m.path("uuid").asText();
            homes.put(u, m.path("home_dc").asText());
            counts.merge(u, 1, Integer::sum);
        }
        return new Listing(homes, counts);
    }

    /** Transfers a DC reports ({@code GET /transfers}), of the given images only. */
    static List<JsonNode> transfers(DcProcess d, Collection<String> uuids) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode t : d.json("/transfers")) {
            if (uuids.contains(t.path("image").asText())) {
                out.add(t);
            }
        }
        return out;
    }

    /** The transfer of an image a DC reports first (the newest), or null. */
    static JsonNode transfer(DcProcess d, String uuid) {
        List<JsonNode> ts = transfers(d, List.of(uuid));
        return ts.isEmpty() ? null : ts.get(0);
    }

    static boolean noneRunning(DcProcess d) {
        for (JsonNode t : d.json("/transfers")) {
            String s = t.path("state").asText();
            if (!s.equals("completed") && !s.equals("failed")) {
                return false;
            }
        }
        return true;
    }

    /** Every billing event on the topic now, duplicates included (reads until {@code quiet} passes with nothing new). */
    static List<TransferEvent> events(String bootstrap, Duration quiet, Duration max) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.GROUP_ID_CONFIG, "imgfed-chaos-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(ChaosRun.TOPIC));
            List<TransferEvent> out = new ArrayList<>();
            long start = System.nanoTime();
            long lastNew = System.nanoTime();
            boolean assigned = false;
            while (System.nanoTime() - start < max.toNanos()) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(TransferEvent.fromJson(r.value()));
                    lastNew = System.nanoTime();
                }
                if (!assigned && !c.assignment().isEmpty()) {
                    assigned = true;
                    lastNew = System.nanoTime();
                }
                if (assigned && System.nanoTime() - lastNew > quiet.toNanos()) {
                    break;
                }
            }
            return out;
        }
    }

    /** Events of the given images, one per event_id (what a deduplicating consumer keeps). */
    static Map<String, TransferEvent> dedupe(List<TransferEvent> all, Collection<String> uuids) {
        Map<String, TransferEvent> byId = new LinkedHashMap<>();
        for (TransferEvent e : all) {
            if (uuids.contains(e.imageUuid())) {
                byId.putIfAbsent(e.eventId(), e);
            }
        }
        return byId;
    }

    /** Waits until a DC's billing outbox is empty (every event acknowledged by Kafka). */
    static double awaitOutboxDrained(DcProcess d, Duration deadline) {
        long t0 = System.nanoTime();
        Await.until(d.name() + "'s billing outbox to drain", deadline,
                () -> d.metric("imgfed_billing_outbox_pending") == 0);
        return Await.seconds(t0);
    }
}
