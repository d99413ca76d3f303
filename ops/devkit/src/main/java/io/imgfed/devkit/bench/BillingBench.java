package io.imgfed.devkit.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.devtools.DevKafkaBroker;
import io.imgfed.protocol.json.Json;
import io.imgfed.transfer.billing.KafkaPublisher;
import io.imgfed.transfer.billing.Outbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The billing benchmark of issue 5: events per second through the durable outbox (group-committed, fsynced)
 * and the idempotent Kafka publisher to a consumer, and the latency from an event's append (the moment a
 * transfer's completion is recorded) until a consumer has read it, with a KRaft broker on loopback.
 *
 * <p>Usage: {@code BillingBench <out.json> <burstEvents> <pacedEvents> <pacedPerSecond>}.
 */
public final class BillingBench {
    private static final String TOPIC = "imgfed.transfers";
    private static final String OWNER = "930896af-bf8c-48d4-885c-6573a94b1853";

    private final ConcurrentHashMap<Long, Long> received = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        new BillingBench().run(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]));
        System.exit(0);
    }

    private void run(Path out, int burst, int paced, int perSecond) throws Exception {
        Path root = Files.createTempDirectory(Path.of(System.getProperty("bench.tmp", "/tmp")), "imgfed-billbench-");
        ObjectNode result = Json.object();
        try (DevKafkaBroker broker = DevKafkaBroker.start(root.resolve("kafka"))) {
            broker.createTopic(TOPIC, 3);
            AtomicBoolean stop = new AtomicBoolean();
            Thread consumer = new Thread(() -> consume(broker.bootstrap(), stop), "bench-consumer");
            consumer.start();
            try (Outbox outbox = Outbox.open(root.resolve("outbox"));
                    KafkaPublisher publisher = new KafkaPublisher(outbox, broker.bootstrap(), TOPIC, "billbench")) {
                publisher.start();
                long seq = 0;
                // warm-up: connections, metadata, the JIT
                seq = burst(outbox, seq, 2000);
                awaitReceived(seq, 120);

                long t0 = System.nanoTime();
                long first = seq;
                seq = burst(outbox, seq, burst);
                awaitReceived(seq, 600);
                long last = Collections.max(received.entrySet().stream()
                        .filter(e -> e.getKey() >= first).map(java.util.Map.Entry::getValue).toList());
                double seconds = (last - t0) / 1e9;
                ObjectNode b = Json.object();
                b.put("events", burst);
                b.put("seconds", seconds);
                b.put("events_per_second", burst / seconds);
                result.set("burst", b);

                List<Double> latencies = new ArrayList<>();
                long gapNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
                long next = System.nanoTime();
                List<long[]> sent = new ArrayList<>();
                for (int i = 0; i < paced; i++) {
                    while (System.nanoTime() < next) {
                        Thread.onSpinWait();
                    }
                    long id = seq++;
                    long at = System.nanoTime();
                    outbox.append(List.of(new Outbox.Event("bench-" + id, OWNER, event(id, at))));
                    sent.add(new long[] {id, at});
                    next += gapNanos;
                }
                awaitReceived(seq, 120);
                for (long[] s : sent) {
                    latencies.add((received.get(s[0]) - s[1]) / 1e6);
                }
                Collections.sort(latencies);
                ObjectNode l = Json.object();
                l.put("events", paced);
                l.put("per_second", perSecond);
                l.put("p50_ms", latencies.get((int) Math.floor(0.50 * (latencies.size() - 1))));
                l.put("p99_ms", latencies.get((int) Math.ceil(0.99 * (latencies.size() - 1))));
                l.put("max_ms", latencies.get(latencies.size() - 1));
                result.set("latency", l);
            } finally {
                stop.set(true);
                consumer.join(10_000);
            }
        }
        Files.writeString(out, new String(Json.bytes(result), StandardCharsets.UTF_8));
    }

    /** Appends {@code n} events in batches of 50, as a busy DC's transfers would complete; returns the next id. */
    private static long burst(Outbox outbox, long seq, int n) throws Exception {
        List<java.util.concurrent.CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < n; i += 50) {
            List<Outbox.Event> batch = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + 50); j++) {
                long id = seq++;
                batch.add(new Outbox.Event("bench-" + id, OWNER, event(id, System.nanoTime())));
            }
            acks.add(outbox.append(batch));
        }
        for (var a : acks) {
            a.get(60, TimeUnit.SECONDS);
        }
        return seq;
    }

    /** An event of the size of a real imgfed.transfer.v1 event (about 600 bytes), its id in {@code bench_id}. */
    private static byte[] event(long id, long at) {
        ObjectNode o = Json.object();
        o.put("schema", "imgfed.transfer.v1");
        o.put("event_id", "bench-" + id);
        o.put("bench_id", id);
        o.put("type", "transfer.completed");
        o.put("image_uuid", "5d8c0a0c-33c0-4a0e-8d3c-2d0d5a7c3b1e");
        o.put("owner", OWNER);
        o.put("source_dc", "us-east-1");
        o.put("dest_dc", "eu-central-1");
        o.put("bytes", 1073741824L);
        o.put("size", 1073741824L);
        o.put("digest", "sha1:d27d8d42cff4b8d2902c0aed1db58e33b7af73c4");
        o.put("reason", "provision");
        o.put("started_at", "2026-11-23T00:16:08.425Z");
        o.put("finished_at", "2026-11-23T00:16:11.515Z");
        o.put("duration_ms", 3090);
        o.put("attempts", 1);
        o.put("transfer_id", "c35d4d33-1a7c-48f2-ac4a-39dc91f86f37");
        o.put("sent_nanos", at);
        return Json.bytes(o);
    }

    private void consume(String bootstrap, AtomicBoolean stop) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                parts.add(new TopicPartition(TOPIC, i));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (!stop.get()) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    received.putIfAbsent(Json.tree(r.value()).path("bench_id").asLong(), now);
                }
            }
        }
    }

    private void awaitReceived(long count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (received.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + received.size() + " of " + count + " events read within " + seconds + " s");
            }
            Thread.sleep(5);
        }
    }
}
