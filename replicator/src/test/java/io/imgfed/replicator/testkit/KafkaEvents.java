package io.imgfed.replicator.testkit;

import io.imgfed.protocol.billing.TransferEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads billing events back from Kafka, as a consumer would: everything, duplicates included. */
public final class KafkaEvents {
    private KafkaEvents() {
    }

    /** Every event on the topic now (reads from the beginning until {@code quiet} passes without a new record). */
    public static List<TransferEvent> all(String bootstrap, String topic, Duration quiet) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            List<TransferEvent> out = new ArrayList<>();
            long lastNew = System.nanoTime();
            while (System.nanoTime() - lastNew < quiet.toNanos()) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(TransferEvent.fromJson(r.value()));
                    lastNew = System.nanoTime();
                }
            }
            return out;
        }
    }

    /** The distinct event ids among the events (what a deduplicating consumer counts). */
    public static Set<String> distinctIds(List<TransferEvent> events) {
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(e.eventId()));
        return ids;
    }
}
