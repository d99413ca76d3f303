package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;

/** The manifest of an image homed at the publishing DC, or (manifest null) the tombstone of a deleted one. */
public record ManifestRecord(String uuid, Manifest manifest, long deletedAtMillis) {

    public static ManifestRecord of(Manifest m) {
        return new ManifestRecord(m.uuid(), m, 0);
    }

    public static ManifestRecord tombstone(String uuid, long deletedAtMillis) {
        return new ManifestRecord(uuid, null, deletedAtMillis);
    }

    public boolean deleted() {
        return manifest == null;
    }

    public byte[] toPayload() {
        ObjectNode o = Json.object();
        o.put("uuid", uuid);
        if (manifest == null) {
            o.put("deleted_at", deletedAtMillis);
        } else {
            o.set("manifest", manifest.toStoredJson());
        }
        return Json.bytes(o);
    }

    public static ManifestRecord fromPayload(JsonNode p) throws MalformedRecordException {
        String uuid = p.path("uuid").asText(null);
        if (uuid == null) {
            throw new MalformedRecordException("manifest record has no uuid");
        }
        JsonNode m = p.get("manifest");
        if (m == null) {
            if (!p.path("deleted_at").canConvertToLong()) {
                throw new MalformedRecordException("tombstone has no deleted_at");
            }
            return tombstone(uuid, p.get("deleted_at").asLong());
        }
        try {
            Manifest manifest = Manifest.fromStoredJson(m);
            if (!manifest.uuid().equals(uuid)) {
                throw new MalformedRecordException("manifest uuid differs from the record's");
            }
            return new ManifestRecord(uuid, manifest, 0);
        } catch (RuntimeException e) {
            throw new MalformedRecordException("unreadable manifest: " + e.getMessage());
        }
    }
}
