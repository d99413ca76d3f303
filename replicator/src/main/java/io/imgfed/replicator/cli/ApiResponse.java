package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;

/** A successful answer of the daemon: status, headers and the whole body. */
public record ApiResponse(int status, HttpHeaders headers, byte[] body) {

    public JsonNode json() {
        try {
            return Json.tree(body);
        } catch (IllegalArgumentException e) {
            throw new CliException("the daemon answered " + status + " with a body that is not JSON: " + e.getMessage());
        }
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
