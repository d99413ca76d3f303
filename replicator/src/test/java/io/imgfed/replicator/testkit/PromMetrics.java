package io.imgfed.replicator.testkit;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads samples out of a Prometheus text exposition ({@code GET /metrics}). */
public final class PromMetrics {
    private final String text;

    private PromMetrics(String text) {
        this.text = text;
    }

    public static PromMetrics scrape(ImgapiClient client) {
        ImgapiClient.Response r = client.get("/metrics");
        if (r.status() != 200) {
            throw new AssertionError("GET /metrics: " + r);
        }
        return new PromMetrics(r.text());
    }

    public static PromMetrics of(String text) {
        return new PromMetrics(text);
    }

    /**
     * The value of the sample {@code name} whose labels include {@code labels} (pairs: name, value), or NaN if
     * there is none.
     */
    public double value(String name, String... labels) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            Map<String, String> got = new LinkedHashMap<>();
            if (rest.startsWith("{")) {
                int end = rest.indexOf('}');
                for (String pair : rest.substring(1, end).split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        got.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
                    }
                }
                rest = rest.substring(end + 1);
            } else if (!rest.startsWith(" ")) {
                continue; // another metric whose name starts with this one
            }
            if (!got.entrySet().containsAll(want.entrySet())) {
                continue;
            }
            String[] parts = rest.trim().split("\\s+");
            return Double.parseDouble(parts[0]);
        }
        return Double.NaN;
    }

    /** {@code imgfed_records_rejected_total{reason}}. */
    public double rejected(String reason) {
        return value("imgfed_records_rejected_total", "reason", reason);
    }

    @Override
    public String toString() {
        return text;
    }
}
