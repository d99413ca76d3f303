package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An error answer of the daemon: IMGAPI's {@code {"code", "message", "errors": [{"field", "code", "message"}]}}
 * shown as {@code imgfed: <code>: <message>} with one line per field error. An answer that is not such a
 * document (a proxy's HTML page, say) is shown by its status and first line.
 */
public final class ApiError extends CliException {
    private final int status;
    private final String code;
    private final List<String> fields;

    private ApiError(int status, String code, String message, List<String> fields, List<String> details) {
        super(code + ": " + message, details, null);
        this.status = status;
        this.code = code;
        this.fields = List.copyOf(fields);
    }

    public static ApiError from(int status, byte[] body) {
        JsonNode doc = null;
        try {
            doc = body == null || body.length == 0 ? null : Json.tree(body);
        } catch (IllegalArgumentException notJson) {
            // shown as text below
        }
        if (doc != null && doc.isObject() && doc.path("code").isTextual()) {
            List<String> fields = new ArrayList<>();
            List<String> details = new ArrayList<>();
            for (JsonNode e : doc.path("errors")) {
                String field = e.path("field").asText("?");
                fields.add(field);
                String line = field + ": " + e.path("code").asText("");
                String msg = e.path("message").asText("");
                if (!msg.equals(doc.path("message").asText())) {
                    details.add(msg.isEmpty() ? line : line + ": " + msg);
                }
            }
            return new ApiError(status, doc.path("code").asText(), doc.path("message").asText(""), fields, details);
        }
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
        int nl = text.indexOf('\n');
        String first = nl < 0 ? text : text.substring(0, nl).strip();
        if (first.length() > 200) {
            first = first.substring(0, 200) + "...";
        }
        return new ApiError(status, "HTTP " + status, first.isEmpty() ? "(no body)" : first, List.of(), List.of());
    }

    public int status() {
        return status;
    }

    /** IMGAPI's error code, e.g. {@code ResourceNotFound}, or {@code HTTP <status>} for a non-IMGAPI answer. */
    public String code() {
        return code;
    }

    /** The fields named by {@code errors[]}. */
    public List<String> fields() {
        return fields;
    }
}
