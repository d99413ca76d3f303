package io.imgfed.replicator.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devtools.DevKafkaBroker;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.cli.Main;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lazy pull becomes exactly one billing event in Kafka, and the report counts its bytes. */
class BillingPipelineTest {
    @TempDir
    static Path dir;
    static DevKafkaBroker kafka;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        kafka = DevKafkaBroker.start(dir.resolve("kafka"));
        kafka.createTopic("imgfed.transfers", 3);
        fed = TestFederation.withConfig(dir, "billing: {kafka: {bootstrap: \"" + kafka.bootstrap() + "\"}}\n", "a", "b");
    }

    @AfterAll
    static void stop() {
        fed.close();
        kafka.close();
    }

    @Test
    void onePullIsOneCompletedEventWithItsBytes() {
        byte[] file = new byte[3 * 1024 * 1024];
        new Random(5).nextBytes(file);
        String uuid = fed.client("a").activeImage("billed", file);
        fed.awaitHolding("b", uuid, "a");
        assertEquals(200, fed.client("b").getDigest("/images/" + uuid + "/file").status());

        List<TransferEvent> events = Await.value("the event in Kafka", Duration.ofSeconds(30), () -> {
            List<TransferEvent> found = readAll();
            return found.isEmpty() ? null : found;
        });
        assertEquals(1, events.size(), "exactly one event for one pull");
        TransferEvent e = events.get(0);
        assertEquals(TransferEvent.Type.COMPLETED, e.type());
        assertEquals(uuid, e.imageUuid());
        assertEquals(ImgapiClient.OWNER, e.owner());
        assertEquals(ImgapiClient.sha1(file), e.fileSha1());
        assertEquals(file.length, e.bytes());
        assertEquals(file.length, e.size());
        assertEquals("a", e.sourceDc());
        assertEquals("b", e.destDc());
        assertEquals("provision", e.reason());
        assertEquals(1, e.attempts());
        Await.until("outbox drained", Duration.ofSeconds(10),
                () -> fed.dc("b").daemon().billing().outbox().pendingCount() == 0);

        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run("billing", "report", "--bootstrap", kafka.bootstrap(), "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        JsonNode report = Json.tree(buf.toString(StandardCharsets.UTF_8));
        JsonNode owner = report.path("by_owner").get(0);
        assertNotNull(owner);
        assertEquals(ImgapiClient.OWNER, owner.path("owner").asText());
        assertEquals(file.length, owner.path("bytes").asLong());
        assertEquals("a", report.path("by_dc_pair").get(0).path("source_dc").asText());
    }

    private static List<TransferEvent> readAll() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of("imgfed.transfers"));
            List<TransferEvent> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    out.add(TransferEvent.fromJson(r.value()));
                    assertEquals(ImgapiClient.OWNER, r.key(), "keyed by owner");
                }
                if (!out.isEmpty()) {
                    break;
                }
            }
            return out;
        }
    }
}
