package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.Base64;

/**
 * A DC's record-signing public key (X.509 SubjectPublicKeyInfo), and with CA-rooted trust the PEM certificate
 * chain that binds that key to the DC's name; and the newest {@link RecordFormat} the DC reads ({@code reads}: 1
 * when the payload does not say, as from DCs older than format 2).
 */
public record KeyRecord(String dc, byte[] publicKey, String certificatePem, int reads) {

    public KeyRecord {
        publicKey = publicKey.clone();
    }

    /** The announcement of a DC that reads record format 1 only. */
    public KeyRecord(String dc, byte[] publicKey, String certificatePem) {
        this(dc, publicKey, certificatePem, RecordFormat.JSON.number());
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public byte[] toPayload() {
        ObjectNode o = Json.object();
        o.put("dc", dc);
        o.put("public_key", Base64.getEncoder().encodeToString(publicKey));
        if (certificatePem != null) {
            o.put("certificate", certificatePem);
        }
        if (reads > RecordFormat.JSON.number()) {
            o.put("reads", reads);
        }
        return Json.bytes(o);
    }

    public static KeyRecord fromPayload(JsonNode p) throws MalformedRecordException {
        try {
            String dc = p.path("dc").asText(null);
            String key = p.path("public_key").asText(null);
            if (dc == null || key == null || key.length() > 4096) {
                throw new MalformedRecordException("bad key payload");
            }
            JsonNode cert = p.get("certificate");
            if (cert != null && (!cert.isTextual() || cert.asText().length() > 64 * 1024)) {
                throw new MalformedRecordException("bad certificate in key payload");
            }
            JsonNode reads = p.get("reads");
            int format = reads != null && reads.isInt() && reads.intValue() > 0 ? reads.intValue() : RecordFormat.JSON.number();
            return new KeyRecord(dc, Base64.getDecoder().decode(key), cert == null ? null : cert.asText(), format);
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("public key is not base64");
        }
    }
}
