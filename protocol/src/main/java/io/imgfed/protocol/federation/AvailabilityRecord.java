package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.WireEnum;

/** A DC's holding of one file (by sha1): present, pulling with progress 0..1, or absent. */
public record AvailabilityRecord(String sha1, FileState state, double progress, long size) {

    public AvailabilityRecord {
        if (sha1 == null || !ImageFile.SHA1.matcher(sha1).matches()) {
            throw new IllegalArgumentException("sha1 must be 40 lowercase hex digits");
        }
        if (state == null) {
            throw new IllegalArgumentException("state is required");
        }
        if (!(progress >= 0 && progress <= 1)) {
            throw new IllegalArgumentException("progress must be within 0..1");
        }
    }

    public byte[] toPayload() {
        ObjectNode o = Json.object();
        o.put("sha1", sha1);
        o.put("state", state.wireName());
        o.put("progress", progress);
        o.put("size", size);
        return Json.bytes(o);
    }

    public static AvailabilityRecord fromPayload(JsonNode p) throws MalformedRecordException {
        FileState state = WireEnum.parse(FileState.class, p.path("state").asText(""));
        if (state == null || !p.path("progress").isNumber() || !p.path("size").canConvertToLong()) {
            throw new MalformedRecordException("bad availability payload");
        }
        try {
            return new AvailabilityRecord(p.path("sha1").asText(""), state, p.path("progress").asDouble(),
                    p.path("size").asLong());
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("bad availability payload: " + e.getMessage());
        }
    }
}
