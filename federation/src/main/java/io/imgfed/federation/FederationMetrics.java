package io.imgfed.federation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The federation's meters of SPEC §7: rejected records by reason, gossip lag, live members, topology changes. */
public final class FederationMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Timer gossipLag;

    public FederationMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.gossipLag = Timer.builder("imgfed.gossip.lag")
                .description("Time from a record's publication by its DC to its arrival here")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        // Present from the start, so a dashboard shows 0 rather than nothing.
        for (String reason : new String[] {"malformed", "bad_signature", "unknown_key", "key_mismatch", "unlisted_dc"}) {
            counter(reason);
        }
        for (String change : new String[] {"joined", "left", "merged"}) {
            topologyCounter(change);
        }
    }

    /** {@code imgfed_records_rejected_total{reason}}. */
    public void rejected(String reason) {
        counter(reason).increment();
    }

    public double rejectedCount(String reason) {
        return counter(reason).count();
    }

    private Counter counter(String reason) {
        return rejected.computeIfAbsent(reason, r -> Counter.builder("imgfed.records.rejected")
                .description("Gossiped records dropped because they did not verify")
                .tag("reason", r)
                .register(registry));
    }

    /**
     * {@code imgfed_federation_topology_changes_total{change}}: members that joined or left this DC's Hazelcast
     * cluster, and partitions this member merged back from. Rising without a DC being started or stopped means
     * the member list flaps (heartbeats lost or too slow for the links).
     */
    public void topologyChange(String change) {
        topologyCounter(change).increment();
    }

    private Counter topologyCounter(String change) {
        return Counter.builder("imgfed.federation.topology.changes")
                .description("Members that joined or left this DC's federation cluster, and merges after a partition")
                .tag("change", change)
                .register(registry);
    }

    public void lag(Duration lag) {
        gossipLag.record(lag.isNegative() ? Duration.ZERO : lag);
    }

    public Timer gossipLag() {
        return gossipLag;
    }

    /**
     * {@code imgfed_federation_dc_status{peer_dc}}: 0 alive, 1 suspect, 2 gone, one series per DC ever heard of.
     * The label is {@code peer_dc} because scrape targets already carry {@code dc} (this daemon's own name).
     */
    public void dcStatus(String dc, Supplier<Number> value) {
        Gauge.builder("imgfed.federation.dc.status", value)
                .description("Each DC as this one sees it: 0 alive, 1 suspect, 2 gone")
                .tag("peer_dc", dc)
                .register(registry);
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }
}
