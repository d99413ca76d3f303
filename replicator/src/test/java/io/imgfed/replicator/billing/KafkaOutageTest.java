package io.imgfed.replicator.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.devtools.DevKafkaBroker;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.KafkaEvents;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.billing.KafkaPublisher;
import io.imgfed.transfer.billing.Outbox;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Billing events survive Kafka being down or restarting and the daemon being killed: all arrive, none lost. */
class KafkaOutageTest {
    private static final String TOPIC = "imgfed.transfers";

    @TempDir
    Path dir;

    @Test
    void brokerDownDuringAHundredTransfersThenBackDeliversEveryEventOnce() {
        try (DevKafkaBroker kafka = DevKafkaBroker.start(dir.resolve("kafka"))) {
            kafka.createTopic(TOPIC, 3);
            TestFederation fed = TestFederation.withConfig(dir,
                    "billing: {kafka: {bootstrap: \"" + kafka.bootstrap() + "\"}}\n", "a", "b");
            try {
                kafka.stop();
                List<String> images = new ArrayList<>();
                Random r = new Random(71);
                for (int i = 0; i < 100; i++) {
                    byte[] f = new byte[4096 + i];
                    r.nextBytes(f);
                    images.add(fed.client("a").activeImage("outage-" + i, f));
                }
                Await.until("b sees a holding all 100 files", Duration.ofSeconds(30), () -> {
                    for (var a : fed.client("b").get("/federation/availability?owner=" + ImgapiClient.OWNER + "&limit=1000").json()) {
                        if (!a.path("dcs").path("a").path("state").asText().equals("present")) {
                            return false;
                        }
                    }
                    return true;
                });
                for (String uuid : images) {
                    assertEquals(200, fed.client("b").getDigest("/images/" + uuid + "/file").status());
                }
                Outbox outbox = fed.dc("b").daemon().billing().outbox();
                assertEquals(100, outbox.pendingCount(), "every transfer's event waits in the outbox");
                assertTrue(fed.client("b").get("/metrics").text().contains("imgfed_billing_outbox_pending 100.0"));

                kafka.restart();
                Await.until("the outbox drains", Duration.ofSeconds(60), () -> outbox.pendingCount() == 0);
                List<TransferEvent> events = KafkaEvents.all(kafka.bootstrap(), TOPIC, Duration.ofSeconds(2));
                Set<String> ids = KafkaEvents.distinctIds(events);
                assertEquals(100, ids.size(), "100 transfers, 100 distinct events after dedupe");
                Set<String> billedImages = new HashSet<>();
                events.forEach(e -> billedImages.add(e.imageUuid()));
                assertEquals(new HashSet<>(images), billedImages, "every transfer is billed");
            } finally {
                fed.close();
            }
        }
    }

    @Test
    void brokerRestartedInTheMiddleOfPublishingLosesNothing() throws Exception {
        try (DevKafkaBroker kafka = DevKafkaBroker.start(dir.resolve("kafka"));
                Outbox outbox = Outbox.open(dir.resolve("outbox"))) {
            kafka.createTopic(TOPIC, 3);
            Set<String> sent = new HashSet<>();
            List<Outbox.Event> payloads = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                TransferEvent e = new TransferEvent(UUID.randomUUID().toString(), TransferEvent.Type.COMPLETED,
                        UUID.randomUUID().toString(), ImgapiClient.OWNER, null, i, i, "a", "b", "provision",
                        Instant.now(), Instant.now(), 1);
                sent.add(e.eventId());
                payloads.add(new Outbox.Event(e.eventId(), e.owner(), e.toJson()));
            }
            outbox.append(payloads).get(30, TimeUnit.SECONDS);
            try (KafkaPublisher publisher = new KafkaPublisher(outbox, kafka.bootstrap(), TOPIC, "restart-test")) {
                publisher.start();
                Await.until("publishing under way", Duration.ofSeconds(30), () -> publisher.publishedCount() >= 300);
                kafka.stop();
                kafka.restart();
                Await.until("every event acknowledged", Duration.ofSeconds(90), () -> outbox.pendingCount() == 0);
            }
            Set<String> got = KafkaEvents.distinctIds(KafkaEvents.all(kafka.bootstrap(), TOPIC, Duration.ofSeconds(2)));
            assertEquals(sent, got, "all 3000 events arrive; duplicates collapse by event_id");
        }
    }

    @Test
    void daemonKilledBeforeKafkaAcknowledgedDeliversTheEventAfterRestart() {
        try (DevKafkaBroker kafka = DevKafkaBroker.start(dir.resolve("kafka"))) {
            kafka.createTopic(TOPIC, 3);
            String billing = "billing: {kafka: {bootstrap: \"" + kafka.bootstrap() + "\"}}\n";
            TestFederation fed = TestFederation.builder(dir).common(billing).dc("a", "").external("b", "").start();
            try (DaemonProcess b = DaemonProcess.start(dir.resolve("b-process"), fed.yaml("b"), fed.httpPort("b"))) {
                byte[] f = new byte[1 << 20];
                new Random(72).nextBytes(f);
                String uuid = fed.client("a").activeImage("killed", f);
                Await.until("b sees the file at a", Duration.ofSeconds(20), () -> fed.client("b")
                        .get("/federation/availability?uuid=" + uuid).json().path(0).path("dcs").path("a").path("state")
                        .asText().equals("present"));
                kafka.stop();
                assertEquals(200, fed.client("b").getDigest("/images/" + uuid + "/file").status());
                Await.until("the event is in b's outbox, unacknowledged", Duration.ofSeconds(10), () -> fed.client("b")
                        .get("/metrics").text().contains("imgfed_billing_outbox_pending 1.0"));
                b.kill9();
                kafka.restart();
                b.restart();
                List<TransferEvent> events = Await.value("the event delivered after the restart", Duration.ofSeconds(60), () -> {
                    List<TransferEvent> e = KafkaEvents.all(kafka.bootstrap(), TOPIC, Duration.ofSeconds(1));
                    return e.isEmpty() ? null : e;
                });
                assertEquals(1, KafkaEvents.distinctIds(events).size());
                assertEquals(uuid, events.get(0).imageUuid());
                assertEquals(f.length, events.get(0).bytes());
            } finally {
                fed.close();
            }
        }
    }

}
