package io.imgfed.transfer.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.WireEnum;
import io.imgfed.protocol.pieces.FilePieces;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a running transfer must not lose if this daemon dies: who it is (so that after a restart it resumes under
 * the same id and its billing events stay one per source), what it pulls, and the bytes each source has sent so
 * far (what it bills if it never finishes). Kept in the billing outbox's database, written about once a second.
 */
public record TransferCheckpoint(String transferId, FileRequest request, Map<String, Long> bytesBySource, String lastSource,
        int attempts, long createdAtMillis) {

    public TransferCheckpoint {
        bytesBySource = Map.copyOf(bytesBySource);
    }

    public static TransferCheckpoint of(Transfer t) {
        return new TransferCheckpoint(t.id(), t.request(), t.bytesBySource(), t.source(), t.attempts(), t.createdAtMillis());
    }

    public byte[] toJson() {
        ObjectNode o = Json.object();
        o.put("transfer_id", transferId);
        o.put("created_at", createdAtMillis);
        o.put("attempts", attempts);
        o.put("last_source", lastSource);
        ObjectNode bytes = o.putObject("bytes_by_source");
        bytesBySource.forEach(bytes::put);
        FileRequest r = request;
        ObjectNode f = o.putObject("file");
        f.put("sha1", r.sha1());
        f.put("size", r.size());
        f.put("md5", r.md5());
        f.put("sha256", r.sha256());
        if (r.pieces() != null) {
            f.putObject("pieces").put("size", r.pieces().pieceSize()).put("root", r.pieces().root());
        }
        f.put("image_uuid", r.imageUuid());
        f.put("owner", r.owner());
        f.put("reason", r.reason().wireName());
        f.put("request_id", r.requestId());
        f.put("front", r.front());
        return Json.bytes(o);
    }

    /** Parses a checkpoint; throws IllegalArgumentException when it is not one. */
    public static TransferCheckpoint fromJson(byte[] json) {
        JsonNode o = Json.tree(json);
        JsonNode f = o.path("file");
        TransferReason reason = WireEnum.parse(TransferReason.class, f.path("reason").asText(""));
        String id = o.path("transfer_id").asText(null);
        if (id == null || reason == null || !f.path("size").canConvertToLong() || f.path("sha1").asText(null) == null) {
            throw new IllegalArgumentException("not a transfer checkpoint");
        }
        JsonNode p = f.get("pieces");
        FilePieces pieces = p == null || !p.isObject() ? null : new FilePieces(p.path("size").asInt(), p.path("root").asText());
        FileRequest request = new FileRequest(f.path("sha1").asText(), f.path("size").asLong(), text(f, "md5"),
                text(f, "sha256"), pieces, text(f, "image_uuid"), text(f, "owner"), reason, text(f, "request_id"),
                f.hasNonNull("front") ? f.get("front").asText() : FileRequest.IMGAPI);
        Map<String, Long> bytes = new LinkedHashMap<>();
        o.path("bytes_by_source").fields().forEachRemaining(e -> bytes.put(e.getKey(), e.getValue().asLong()));
        return new TransferCheckpoint(id, request, bytes, text(o, "last_source"), o.path("attempts").asInt(),
                o.path("created_at").asLong());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
