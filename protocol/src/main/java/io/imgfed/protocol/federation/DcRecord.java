package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;

/**
 * A DC's heartbeat: where its peer listener is, what it runs, since when, and how much it holds. Published
 * every heartbeat interval; receivers judge liveness by when they last received one.
 */
public record DcRecord(String dc, String peer, String softwareVersion, long startedAtMillis, long filesHeld,
        long bytesHeld, long imagesHomed) {

    public byte[] toPayload() {
        ObjectNode o = Json.object();
        o.put("dc", dc);
        o.put("peer", peer);
        o.put("version", softwareVersion);
        o.put("started_at", startedAtMillis);
        o.put("files", filesHeld);
        o.put("bytes", bytesHeld);
        o.put("images", imagesHomed);
        return Json.bytes(o);
    }

    public static DcRecord fromPayload(JsonNode p) throws MalformedRecordException {
        if (!p.path("dc").isTextual() || !p.path("peer").isTextual() || !p.path("version").isTextual()
                || !p.path("started_at").canConvertToLong() || !p.path("files").canConvertToLong()
                || !p.path("bytes").canConvertToLong() || !p.path("images").canConvertToLong()
                || p.path("peer").asText().length() > 512 || p.path("version").asText().length() > 64) {
            throw new MalformedRecordException("bad dc payload");
        }
        return new DcRecord(p.get("dc").asText(), p.get("peer").asText(), p.get("version").asText(),
                p.get("started_at").asLong(), p.get("files").asLong(), p.get("bytes").asLong(), p.get("images").asLong());
    }
}
