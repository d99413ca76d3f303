package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.billing.BillingTotals;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.protocol.json.Json;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code imgfed billing report}: reads the transfer topic from the beginning (or from {@code --from}) up to
 * its end at the time of the call, drops duplicate events, and prints cross-DC bytes per owner and per DC
 * pair. Reads without a consumer group, so it changes no offsets.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Cross-DC bytes per owner and DC pair, from the billing topic, duplicates dropped.")
public final class BillingReportCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "imgfed.transfers", description = "topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--from", paramLabel = "DATE", description = "first day or instant counted (2026-11-01 or ISO-8601)")
    String from;

    @Option(names = "--to", paramLabel = "DATE", description = "first day or instant no longer counted")
    String to;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds to wait for Kafka (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() {
        Instant fromInstant;
        Instant toInstant;
        try {
            fromInstant = parse(from);
            toInstant = parse(to);
        } catch (DateTimeParseException e) {
            System.err.println("imgfed: --from and --to take a date (2026-11-01) or an ISO-8601 instant: " + e.getParsedString());
            return 2;
        }
        BillingTotals totals = new BillingTotals(fromInstant, toInstant);
        long malformed;
        try {
            malformed = read(totals, fromInstant);
        } catch (IllegalStateException e) {
            System.err.println("imgfed: " + e.getMessage());
            return 1;
        }
        PrintStream out = System.out;
        if (json) {
            out.println(new String(Json.bytes(toJson(totals, malformed)), StandardCharsets.UTF_8));
        } else {
            print(out, totals, malformed);
        }
        return 0;
    }

    private long read(BillingTotals totals, Instant fromInstant) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutSeconds * 1000));
        long malformed = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(timeoutSeconds));
            if (infos == null || infos.isEmpty()) {
                return 0;
            }
            List<TopicPartition> parts = new ArrayList<>();
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            if (fromInstant != null) {
                Map<TopicPartition, Long> times = new HashMap<>();
                // Events may be produced long after their transfer ended (an outage): start a day early, filter exactly.
                parts.forEach(tp -> times.put(tp, fromInstant.minus(Duration.ofDays(1)).toEpochMilli()));
                for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(times).entrySet()) {
                    if (e.getValue() != null) {
                        consumer.seek(e.getKey(), e.getValue().offset());
                    }
                }
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + topic + " from " + bootstrap);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        totals.add(TransferEvent.fromJson(r.value()));
                    } catch (IllegalArgumentException e) {
                        malformed++;
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " did not answer within " + timeoutSeconds + " s");
        }
        return malformed;
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static Instant parse(String s) {
        if (s == null) {
            return null;
        }
        if (s.length() == 10) {
            return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        return Instant.parse(s);
    }

    private static ObjectNode toJson(BillingTotals t, long malformed) {
        ObjectNode o = Json.object();
        o.put("events", t.counted());
        o.put("duplicates", t.duplicates());
        o.put("out_of_range", t.outOfRange());
        o.put("malformed", malformed);
        o.put("total_bytes", t.totalBytes());
        ArrayNode owners = o.putArray("by_owner");
        t.byOwner().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode l = owners.addObject();
            l.put("owner", e.getKey());
            l.put("bytes", e.getValue().bytes());
            l.put("events", e.getValue().events());
            l.put("failed_events", e.getValue().failedEvents());
        });
        ArrayNode links = o.putArray("by_dc_pair");
        t.byLink().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] pair = e.getKey().split(" -> ");
            ObjectNode l = links.addObject();
            l.put("source_dc", pair[0]);
            l.put("dest_dc", pair[1]);
            l.put("bytes", e.getValue().bytes());
            l.put("events", e.getValue().events());
        });
        return o;
    }

    private static void print(PrintStream out, BillingTotals t, long malformed) {
        out.printf("Cross-DC transfer bytes: %d events, %d duplicates dropped%s%n%n", t.counted(), t.duplicates(),
                malformed > 0 ? ", " + malformed + " malformed skipped" : "");
        Table owners = new Table("OWNER", "BYTES", "SIZE", "EVENTS", "FAILED");
        t.byOwner().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> owners.row(e.getKey(),
                String.valueOf(e.getValue().bytes()), Table.human(e.getValue().bytes()),
                String.valueOf(e.getValue().events()), String.valueOf(e.getValue().failedEvents())));
        owners.print(out);
        out.println();
        Table links = new Table("SOURCE DC", "DEST DC", "BYTES", "SIZE", "EVENTS");
        t.byLink().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] pair = e.getKey().split(" -> ");
            links.row(pair[0], pair[1], String.valueOf(e.getValue().bytes()), Table.human(e.getValue().bytes()),
                    String.valueOf(e.getValue().events()));
        });
        links.print(out);
        out.printf("%nTOTAL %d bytes (%s)%n", t.totalBytes(), Table.human(t.totalBytes()));
    }
}
