package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/** The human form of {@code GET /transfers}: one row per transfer. */
final class TransferFormat {
    private TransferFormat() {
    }

    static void table(PrintStream out, JsonNode transfers) {
        Table t = new Table("IMAGE", "SOURCE -> DEST", "PROGRESS", "SIZE", "RATE", "WAITERS", "ATTEMPTS", "STATE", "REASON",
                "ERROR");
        for (JsonNode x : transfers) {
            t.row(x.path("image").asText(), route(x), percent(x), Table.human(x.path("size").asLong()),
                    rate(x), x.path("waiters").asText("0"), x.path("attempts").asText("0"), x.path("state").asText("?"),
                    x.path("reason").asText(null), x.path("error").asText(null));
        }
        t.print(out);
    }

    static String route(JsonNode x) {
        String source = x.path("source").isTextual() ? x.path("source").asText() : "?";
        return source + " -> " + x.path("dest").asText("?");
    }

    static String percent(JsonNode x) {
        return String.format("%.1f%%", x.path("progress").asDouble() * 100);
    }

    static String rate(JsonNode x) {
        long r = x.path("rate").asLong();
        return r > 0 ? Table.human(r) + "/s" : "-";
    }
}
