package io.imgfed.replicator.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.KafkaEvents;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The billing pipeline against Kafka in a container, for machines with a Docker engine. Where there is none
 * (ours), Testcontainers disables the class and JUnit reports it skipped; the in-JVM KRaft broker tests
 * ({@link BillingPipelineTest}, {@link KafkaOutageTest}) cover the same ground everywhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerBillingTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka-native:3.8.0");

    @TempDir
    Path dir;

    @Test
    void aLazyPullIsBilledInContainerKafka() {
        TestFederation fed = TestFederation.withConfig(dir,
                "billing: {kafka: {bootstrap: \"" + KAFKA.getBootstrapServers() + "\"}}\n", "a", "b");
        try {
            byte[] file = new byte[1 << 20];
            new Random(91).nextBytes(file);
            String uuid = fed.client("a").activeImage("container", file);
            fed.awaitHolding("b", uuid, "a");
            assertEquals(200, fed.client("b").getDigest("/images/" + uuid + "/file").status());
            List<TransferEvent> events = Await.value("the event in Kafka", Duration.ofSeconds(60), () -> {
                List<TransferEvent> e = KafkaEvents.all(KAFKA.getBootstrapServers(), "imgfed.transfers", Duration.ofSeconds(1));
                return e.isEmpty() ? null : e;
            });
            assertEquals(uuid, events.get(0).imageUuid());
            assertEquals(file.length, events.get(0).bytes());
        } finally {
            fed.close();
        }
    }
}
