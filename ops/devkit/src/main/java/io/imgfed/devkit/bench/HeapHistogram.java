package io.imgfed.devkit.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live objects of another JVM by class, from {@code jcmd <pid> GC.class_histogram} (which runs a full GC
 * first, so only reachable objects count). Two histograms subtracted say what N more records cost, class by
 * class, without counting garbage or the measuring process.
 */
record HeapHistogram(long totalBytes, long totalInstances, Map<String, long[]> byClass) {
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)");

    static HeapHistogram of(long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("jcmd GC.class_histogram failed: " + out);
        }
        Map<String, long[]> rows = new HashMap<>();
        long total = -1;
        long instances = 0;
        for (String line : out.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                rows.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                continue;
            }
            Matcher t = TOTAL.matcher(line);
            if (t.find()) {
                instances = Long.parseLong(t.group(1));
                total = Long.parseLong(t.group(2));
            }
        }
        if (total < 0) {
            throw new IOException("no Total line in jcmd's histogram: " + out.substring(0, Math.min(500, out.length())));
        }
        return new HeapHistogram(total, instances, rows);
    }

    /**
     * What {@code this} holds beyond {@code before}: bytes and instances per class, divided by {@code per}
     * (records), the {@code top} largest growths first.
     */
    ObjectNode minus(HeapHistogram before, long per, int top) {
        List<Map.Entry<String, long[]>> growth = new ArrayList<>();
        for (Map.Entry<String, long[]> e : byClass.entrySet()) {
            long[] b = before.byClass.getOrDefault(e.getKey(), new long[2]);
            growth.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        growth.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        ObjectNode o = Json.object();
        o.put("live_bytes_before", before.totalBytes);
        o.put("live_bytes_after", totalBytes);
        o.put("bytes_total", totalBytes - before.totalBytes);
        o.put("bytes_per_record", (double) (totalBytes - before.totalBytes) / per);
        o.put("objects_per_record", (double) (totalInstances - before.totalInstances) / per);
        ArrayNode classes = o.putArray("classes");
        for (Map.Entry<String, long[]> e : growth.subList(0, Math.min(top, growth.size()))) {
            ObjectNode c = classes.addObject();
            c.put("class", e.getKey());
            c.put("bytes_per_record", Math.round(e.getValue()[1] * 10.0 / per) / 10.0);
            c.put("instances_per_record", Math.round(e.getValue()[0] * 100.0 / per) / 100.0);
        }
        return o;
    }
}
