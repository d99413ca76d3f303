package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code summary.json} and {@code summary.md} of a run. */
final class Report {
    private Report() {
    }

    static void write(Path dir, Map<String, Object> run, List<ScenarioResult> results) throws IOException {
        ObjectNode root = Json.object();
        run.forEach((k, v) -> root.set(k, Json.MAPPER.valueToTree(v)));
        ArrayNode arr = root.putArray("scenarios");
        results.forEach(r -> arr.add(r.toJson()));
        Files.write(dir.resolve("summary.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        Files.writeString(dir.resolve("summary.md"), markdown(run, results));
    }

    static String markdown(Map<String, Object> run, List<ScenarioResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("# imgfed chaos run ").append(run.get("started_at")).append("\n\n");
        for (Map.Entry<String, Object> e : run.entrySet()) {
            if (!e.getKey().equals("started_at")) {
                sb.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
        }
        sb.append("\n| scenario | result | seconds | checks |\n|---|---|---|---|\n");
        for (ScenarioResult r : results) {
            long ok = r.checks().stream().filter(ScenarioResult.Check::ok).count();
            sb.append("| ").append(r.name()).append(" | ").append(r.status())
                    .append(r.reason() == null ? "" : ": " + escape(r.reason())).append(" | ")
                    .append(String.format("%.1f", r.seconds())).append(" | ").append(ok).append('/')
                    .append(r.checks().size()).append(" |\n");
        }
        for (ScenarioResult r : results) {
            sb.append("\n## ").append(r.name()).append(": ").append(r.title()).append(" — ").append(r.status()).append("\n\n");
            if (r.reason() != null) {
                sb.append(r.reason()).append("\n\n");
            }
            if (!r.checks().isEmpty()) {
                sb.append("| invariant | held | detail |\n|---|---|---|\n");
                for (ScenarioResult.Check c : r.checks()) {
                    sb.append("| ").append(escape(c.name())).append(" | ").append(c.ok() ? "yes" : "**NO**").append(" | ")
                            .append(escape(c.detail())).append(" |\n");
                }
                sb.append('\n');
            }
            if (!r.figures().isEmpty()) {
                sb.append("| figure | value |\n|---|---|\n");
                r.figures().forEach((k, v) -> sb.append("| ").append(escape(k)).append(" | ")
                        .append(escape(String.valueOf(Json.MAPPER.valueToTree(v)))).append(" |\n"));
                sb.append('\n');
            }
            for (String n : r.notes()) {
                sb.append("- ").append(n).append('\n');
            }
        }
        sb.append("\nWritten ").append(Instant.now()).append('\n');
        return sb.toString();
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}
