package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.Base64;

/**
 * A DC's record-signing public key (X.509 SubjectPublicKeyInfo), and with CA-rooted trust the PEM certificate
 * chain that binds that key to the DC's name.
 */
public record KeyRecord(String dc, byte[] publicKey, String certificatePem) {

    public KeyRecord {
        publicKey = publicKey.clone();
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
            return new KeyRecord(dc, Base64.getDecoder().decode(key), cert == null ? null : cert.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("public key is not base64");
        }
    }
}
