package io.imgfed.replicator.metrics;

import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code imgfed_transfer_bytes_total{source_dc,dest_dc,reason}} counted as bytes arrive (so rates are live),
 * and {@code imgfed_transfers_total{result}} when transfers end.
 */
public final class TransferMetrics implements TransferListener {
    private final MeterRegistry registry;
    /** Bytes already counted, per transfer and source. */
    private final Map<String, Map<String, Long>> counted = new ConcurrentHashMap<>();

    public TransferMetrics(MeterRegistry registry) {
        this.registry = registry;
        result("completed");
        result("failed");
    }

    @Override
    public void progress(Transfer t) {
        count(t.id(), t.destDc(), t.request().reason().wireName(), t.bytesBySource());
    }

    @Override
    public void finished(Transfer t, TransferOutcome outcome) {
        count(t.id(), t.destDc(), t.request().reason().wireName(), outcome.bytesBySource());
        counted.remove(t.id());
        result(outcome.completed() ? "completed" : "failed").increment();
    }

    private void count(String id, String dest, String reason, Map<String, Long> bySource) {
        Map<String, Long> seen = counted.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
        bySource.forEach((source, total) -> {
            long before = seen.getOrDefault(source, 0L);
            if (total > before) {
                seen.put(source, total);
                Counter.builder("imgfed.transfer.bytes")
                        .description("Bytes pulled into this DC from other DCs, retries included")
                        .tags("source_dc", source, "dest_dc", dest, "reason", reason)
                        .register(registry).increment(total - before);
            }
        });
    }

    private Counter result(String result) {
        return Counter.builder("imgfed.transfers").description("Transfers ended, by result").tag("result", result)
                .register(registry);
    }
}
