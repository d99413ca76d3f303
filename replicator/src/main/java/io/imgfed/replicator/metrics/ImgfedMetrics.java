package io.imgfed.replicator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One daemon's Prometheus registry and the imgfed meters of SPEC §7. Each daemon has its own registry, so
 * several daemons in one JVM (tests, the demo) never mix their figures.
 */
public final class ImgfedMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> fileRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> frontRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> upstreamFetches = new ConcurrentHashMap<>();
    private final Map<String, Counter> upstreamBytes = new ConcurrentHashMap<>();

    public ImgfedMetrics() {
        // Buckets for HTTP latency, so dashboards and alerts can read percentiles rather than only mean and max.
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().equals("vertx.http.server.response.time")) {
                    return DistributionStatisticConfig.builder().percentilesHistogram(true)
                            .minimumExpectedValue(1e6).maximumExpectedValue(60e9).build().merge(config);
                }
                return config;
            }
        });
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** {@code imgfed_file_requests_total{cache=hit|miss|joined}}. */
    public void fileRequest(String cache) {
        fileRequests.computeIfAbsent(cache, c -> Counter.builder("imgfed.file.requests")
                .description("GetImageFile answers by how they were served")
                .tag("cache", c)
                .register(registry)).increment();
    }

    /** {@code imgfed_front_requests_total{front,method,status}}: requests answered by each protocol front. */
    public void frontRequest(String front, String method, int status) {
        String key = front + " " + method + " " + status;
        frontRequests.computeIfAbsent(key, k -> Counter.builder("imgfed.front.requests")
                .description("Requests answered by each protocol front (oci; imgapi is in vertx_http_server_*)")
                .tag("front", front).tag("method", method).tag("status", String.valueOf(status))
                .register(registry)).increment();
    }

    /** The OCI mirror asked an upstream registry for a manifest or blob (outcome ok, not_found, error, stale). */
    public void upstreamFetch(String upstream, String kind, String outcome, long bytes) {
        upstreamFetches.computeIfAbsent(upstream + " " + kind + " " + outcome, k -> Counter.builder("imgfed.oci.upstream.fetches")
                .description("Manifests and blobs the OCI mirror fetched from upstream registries, by outcome; stale: a "
                        + "cached tag served because its upstream failed")
                .tag("upstream", upstream).tag("kind", kind).tag("outcome", outcome)
                .register(registry)).increment();
        if (bytes > 0) {
            upstreamBytes.computeIfAbsent(upstream, k -> Counter.builder("imgfed.oci.upstream.bytes")
                    .description("Bytes the OCI mirror received from each upstream registry")
                    .baseUnit("bytes").tag("upstream", upstream).register(registry)).increment(bytes);
        }
    }

    /** Registers a gauge read from live state at scrape time. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }
}
