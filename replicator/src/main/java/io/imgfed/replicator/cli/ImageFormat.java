package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Human forms of IMGAPI manifests: a table of images, or one image's fields. */
final class ImageFormat {
    /** Shown first by {@link #details}, in this order, as they are. */
    private static final List<String> PLAIN = List.of("uuid", "name", "version", "owner", "state", "disabled",
            "public", "type", "os", "description", "homepage", "published_at", "home_dc");
    /** Shown after them in a form of their own; any other field follows as JSON. */
    private static final Set<String> FORMATTED = Set.of("files", "acl", "tags", "requirements", "v");

    private ImageFormat() {
    }

    static void table(PrintStream out, Iterable<JsonNode> images) {
        Table t = new Table("UUID", "NAME", "VERSION", "STATE", "TYPE", "OS", "SIZE", "HOME", "PUBLISHED");
        for (JsonNode m : images) {
            t.row(m.path("uuid").asText(), m.path("name").asText(), m.path("version").asText(), state(m),
                    m.path("type").asText(null), m.path("os").asText(null), size(m), m.path("home_dc").asText(null),
                    date(m.path("published_at").asText(null)));
        }
        t.print(out);
    }

    static void details(PrintStream out, JsonNode m) {
        Details d = new Details();
        PLAIN.forEach(f -> d.add(f, m.path(f).asText(null)));
        JsonNode files = m.path("files");
        if (files.isArray() && files.size() > 0) {
            JsonNode f = files.get(0);
            d.add("file", Table.human(f.path("size").asLong()) + " (" + f.path("size").asLong() + " bytes), "
                    + f.path("compression").asText("?") + ", sha1 " + f.path("sha1").asText("?"));
        } else {
            d.add("file", "(none)");
        }
        List<String> acl = new ArrayList<>();
        m.path("acl").forEach(a -> acl.add(a.asText()));
        d.add("acl", String.join(", ", acl));
        List<String> tags = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.path("tags").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            tags.add(e.getKey() + "=" + text(e.getValue()));
        }
        d.add("tags", String.join(", ", tags));
        if (m.has("requirements")) {
            d.add("requirements", m.get("requirements").toString());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!PLAIN.contains(e.getKey()) && !FORMATTED.contains(e.getKey())) {
                d.add(e.getKey(), text(e.getValue()));
            }
        }
        d.print(out);
    }

    /** A string as it is; anything else as JSON. */
    private static String text(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }

    /** One line naming an image: {@code <uuid> (<name> <version>, <state>)}. */
    static String summary(JsonNode m) {
        return m.path("uuid").asText() + " (" + m.path("name").asText() + " " + m.path("version").asText() + ", "
                + state(m) + ")";
    }

    private static String state(JsonNode m) {
        String s = m.path("state").asText("?");
        return m.path("disabled").asBoolean(false) && !s.equals("disabled") ? s + " (disabled)" : s;
    }

    private static String size(JsonNode m) {
        JsonNode files = m.path("files");
        return files.isArray() && files.size() > 0 ? Table.human(files.get(0).path("size").asLong()) : "-";
    }

    /** The date and time of an ISO-8601 timestamp, to the minute: {@code 2026-11-01 12:34}. */
    private static String date(String iso) {
        if (iso == null || iso.length() < 16) {
            return iso;
        }
        return iso.substring(0, 10) + " " + iso.substring(11, 16);
    }
}
