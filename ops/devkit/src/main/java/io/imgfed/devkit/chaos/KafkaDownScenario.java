package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devkit.chaos.Images.Image;
import io.imgfed.protocol.billing.TransferEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kafka down for the whole scenario: the broker is stopped before the DCs start, N transfers run (100, or
 * 20 with --short), then the broker comes back. Every transfer's event is delivered, and after deduplication
 * by event_id there is exactly one per transfer.
 */
final class KafkaDownScenario extends Scenario {
    KafkaDownScenario() {
        super("kafka-down",
                "Kafka down during N transfers, then back: every billing event delivered, none twice after dedupe");
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        int n = run.pick(100, 20);
        r.figure("transfers", n);
        run.kafka().stop();
        long down = System.nanoTime();
        try (Cluster c = new Cluster(run, name(), "east", "eu").start()) {
            DcProcess east = c.dc("east");
            DcProcess eu = c.dc("eu");
            List<Image> images = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                images.add(Images.publish(run, east, "kafka-down-" + i, Images.file(16384 + 97 * i, 400 + i)));
            }
            Set<String> uuids = new TreeSet<>();
            images.forEach(i -> uuids.add(i.uuid()));
            Await.until("eu to see east holding all " + n + " files", Duration.ofSeconds(60), () -> {
                int present = 0;
                for (JsonNode a : eu.json("/federation/availability?owner=" + Images.OWNER + "&limit=1000")) {
                    present += a.path("dcs").path("east").path("state").asText().equals("present") ? 1 : 0;
                }
                return present >= n;
            });
            int pulled = 0;
            List<String> bad = new ArrayList<>();
            for (Image i : images) {
                Http.Download d = eu.download(i.uuid(), Duration.ofSeconds(30));
                if (d.matches(i.sha1(), i.md5(), i.size())) {
                    pulled++;
                } else if (bad.size() < 5) {
                    bad.add(i.name() + ": " + d);
                }
            }
            r.check("all " + n + " pulls succeed while Kafka is down", pulled == n, pulled + " of " + n + " " + bad);
            double pending = eu.metric("imgfed_billing_outbox_pending");
            r.figure("outbox_pending_while_down", pending);
            r.check("every transfer's event waits in eu's outbox while Kafka is down", pending == n,
                    "imgfed_billing_outbox_pending " + pending);
            run.kafka().restart();
            r.figure("kafka_down_seconds", Await.seconds(down));
            run.log("  Kafka back after " + Await.seconds(down) + " s");
            r.figure("outbox_drain_seconds_after_kafka_back", Invariants.awaitOutboxDrained(eu, Duration.ofSeconds(120)));
            List<TransferEvent> all = Invariants.events(run.kafkaBootstrap(), Duration.ofSeconds(3), Duration.ofSeconds(90));
            Map<String, TransferEvent> distinct = Invariants.dedupe(all, uuids);
            long raw = all.stream().filter(e -> uuids.contains(e.imageUuid())).count();
            r.figure("records_on_topic", raw);
            r.figure("distinct_event_ids", distinct.size());
            r.figure("duplicate_records_dropped_by_dedupe", raw - distinct.size());
            r.figure("published_total_metric", eu.metric("imgfed_billing_published_total"));
            r.check("every event delivered, none twice after dedupe: distinct event_ids == transfers",
                    distinct.size() == n, distinct.size() + " distinct event ids for " + n + " transfers");
            Map<String, Integer> perImage = new HashMap<>();
            List<String> wrong = new ArrayList<>();
            Map<String, Image> byUuid = new HashMap<>();
            images.forEach(i -> byUuid.put(i.uuid(), i));
            for (TransferEvent e : distinct.values()) {
                perImage.merge(e.imageUuid(), 1, Integer::sum);
                Image i = byUuid.get(e.imageUuid());
                if (e.type() != TransferEvent.Type.COMPLETED || e.bytes() != i.size() || e.size() != i.size()
                        || !e.fileSha1().equals(i.sha1()) || !e.sourceDc().equals("east") || !e.destDc().equals("eu")) {
                    wrong.add(e.toString());
                }
            }
            long once = perImage.values().stream().filter(v -> v == 1).count();
            r.check("one completed event per image, bytes == size, east -> eu", once == n && wrong.isEmpty(),
                    once + " of " + n + " images have exactly one event" + (wrong.isEmpty() ? "" : "; wrong: "
                            + wrong.subList(0, Math.min(3, wrong.size()))));
            Invariants.auditAll(c, r, "at the end");
        } finally {
            if (!run.kafka().running()) {
                run.kafka().restart();
            }
        }
    }
}
