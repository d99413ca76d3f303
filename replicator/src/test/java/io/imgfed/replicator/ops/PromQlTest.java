package io.imgfed.replicator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The metric-name reader the dashboard and rule checks rely on. */
class PromQlTest {
    @Test
    void findsMetricsNotFunctionsLabelsOrVariables() {
        assertEquals(Set.of("imgfed_gossip_lag_seconds_bucket"), PromQl.metricNames(
                "histogram_quantile(0.99, sum by (dc, le) (rate(imgfed_gossip_lag_seconds_bucket{dc=~\"$dc\"}[$__rate_interval])))"));
        assertEquals(Set.of("imgfed_federation_members", "imgfed:federation_members:expected"), PromQl.metricNames(
                "imgfed_federation_members < on() group_left() imgfed:federation_members:expected"));
        assertEquals(Set.of("up"), PromQl.metricNames("up{job=\"imgfed\", dc=~\"${dc}\"} == 0"));
        assertEquals(Set.of("a_total", "b_bytes"), PromQl.metricNames(
                "sum without (result) (rate(a_total{result=\"failed\"}[15m])) / 1e3 * b_bytes offset 5m and bool 2"));
        assertEquals(Set.of("jvm_memory_max_bytes"), PromQl.metricNames("sum by (dc) (jvm_memory_max_bytes{area=\"heap\"} > 0)"));
        assertEquals(Set.of("x"), PromQl.metricNames("max_over_time(x[1h:5m])"));
    }
}
