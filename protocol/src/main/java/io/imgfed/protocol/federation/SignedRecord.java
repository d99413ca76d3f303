package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.ManifestValidator;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * One fact a DC publishes to the federation board, signed by that DC: which kind, about what, in which
 * version (newer wins), when, and the payload bytes. Receivers verify the signature against the key the
 * publishing DC is trusted with before believing a byte of it.
 */
public record SignedRecord(RecordKind kind, String dc, String id, long version, long publishedAtMillis,
        byte[] payload, byte[] signature) {

    public static final int MAX_PAYLOAD = 1 << 20;
    private static final Pattern DC_NAME = Pattern.compile("^[a-z0-9-]{1,63}$");
    private static final byte[] DOMAIN = "imgfed-record-v1".getBytes(StandardCharsets.US_ASCII);

    public SignedRecord {
        payload = payload.clone();
        signature = signature == null ? null : signature.clone();
    }

    /** Signs a new record. */
    public static SignedRecord sign(RecordKind kind, String dc, String id, long version, long publishedAtMillis,
            byte[] payload, PrivateKey key) {
        byte[] unsigned = signingBytes(kind, dc, id, version, publishedAtMillis, payload);
        return new SignedRecord(kind, dc, id, version, publishedAtMillis, payload, Ed25519.sign(key, unsigned));
    }

    /** The record's key on the board: {@code <prefix>/<dc>[/<id>]}; one key per fact, owned by one DC. */
    public String boardKey() {
        return boardKey(kind, dc, id);
    }

    public static String boardKey(RecordKind kind, String dc, String id) {
        return kind.hasId() ? kind.prefix() + "/" + dc + "/" + id : kind.prefix() + "/" + dc;
    }

    public boolean verify(PublicKey key) {
        return Ed25519.verify(key, signingBytes(kind, dc, id, version, publishedAtMillis, payload), signature);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public JsonNode payloadJson() throws MalformedRecordException {
        try {
            JsonNode n = Json.MAPPER.readTree(payload);
            if (n == null || !n.isObject()) {
                throw new MalformedRecordException("payload is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new MalformedRecordException("payload is not JSON");
        }
    }

    /** The bytes a signature covers: a domain tag and every field, length-prefixed so no two records collide. */
    static byte[] signingBytes(RecordKind kind, String dc, String id, long version, long publishedAt, byte[] payload) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(DOMAIN);
            out.writeUTF(kind.prefix());
            out.writeUTF(dc);
            out.writeUTF(id);
            out.writeLong(version);
            out.writeLong(publishedAt);
            out.writeInt(payload.length);
            out.write(payload);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The wire form kept on the board in the given record format (see {@link RecordFormat}). */
    public byte[] encode(RecordFormat format) {
        return format == RecordFormat.COMPACT ? CompactRecordCodec.encode(this, payload, signature) : encode();
    }

    /** The JSON wire form (record format 1), which every version of imgfed reads. */
    public byte[] encode() {
        ObjectNode o = Json.object();
        o.put("k", kind.prefix());
        o.put("dc", dc);
        o.put("id", id);
        o.put("v", version);
        o.put("t", publishedAtMillis);
        o.put("p", Base64.getEncoder().encodeToString(payload));
        o.put("s", Base64.getEncoder().encodeToString(signature));
        return Json.bytes(o);
    }

    /**
     * Parses either wire form (told apart by the first byte), checking every field's shape; never trusts its
     * content (that is verify's job).
     */
    public static SignedRecord decode(byte[] bytes) throws MalformedRecordException {
        if (bytes == null || bytes.length == 0 || bytes.length > MAX_PAYLOAD * 2) {
            throw new MalformedRecordException("record is empty or too large");
        }
        if (bytes[0] == CompactRecordCodec.MAGIC) {
            CompactRecordCodec.Fields f = CompactRecordCodec.decode(bytes);
            return checked(RecordKind.fromPrefix(f.kind()), f.dc(), f.id(), f.version(), f.publishedAt(), f.payload(),
                    f.signature());
        }
        JsonNode o;
        try {
            o = Json.MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException("record is not JSON");
        }
        if (o == null || !o.isObject()) {
            throw new MalformedRecordException("record is not a JSON object");
        }
        RecordKind kind = RecordKind.fromPrefix(text(o, "k"));
        String dc = text(o, "dc");
        String id = text(o, "id");
        checkNames(kind, dc, id);
        JsonNode v = o.get("v");
        JsonNode t = o.get("t");
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() <= 0
                || t == null || !t.isIntegralNumber() || !t.canConvertToLong()) {
            throw new MalformedRecordException("bad version or time");
        }
        byte[] payload;
        byte[] sig;
        try {
            String p = text(o, "p");
            String s = text(o, "s");
            if (p == null || s == null) {
                throw new MalformedRecordException("missing payload or signature");
            }
            payload = Base64.getDecoder().decode(p);
            sig = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("payload or signature is not base64");
        }
        return checked(kind, dc, id, v.asLong(), t.asLong(), payload, sig);
    }

    /** The checks both wire forms share, in the order the messages of a malformed record were always given. */
    private static SignedRecord checked(RecordKind kind, String dc, String id, long version, long publishedAt,
            byte[] payload, byte[] sig) throws MalformedRecordException {
        checkNames(kind, dc, id);
        if (version <= 0) {
            throw new MalformedRecordException("bad version or time");
        }
        if (payload.length > MAX_PAYLOAD || sig.length != 64) {
            throw new MalformedRecordException("payload too large or signature of the wrong size");
        }
        return new SignedRecord(kind, dc, id, version, publishedAt, payload, sig);
    }

    private static void checkNames(RecordKind kind, String dc, String id) throws MalformedRecordException {
        if (kind == null) {
            throw new MalformedRecordException("unknown record kind");
        }
        if (dc == null || !DC_NAME.matcher(dc).matches()) {
            throw new MalformedRecordException("bad dc name");
        }
        if (id == null || !validId(kind, id)) {
            throw new MalformedRecordException("bad record id for kind " + kind);
        }
    }

    private static boolean validId(RecordKind kind, String id) {
        return switch (kind) {
            case MANIFEST -> ManifestValidator.UUID.matcher(id).matches();
            case AVAILABILITY -> ImageFile.SHA1.matcher(id).matches();
            case OCI_TAG -> id.length() == 64 && id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
            case KEY, DC -> id.isEmpty();
        };
    }

    private static String text(JsonNode o, String f) {
        JsonNode n = o.get(f);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedRecord r && r.kind == kind && r.dc.equals(dc) && r.id.equals(id) && r.version == version
                && r.publishedAtMillis == publishedAtMillis && Arrays.equals(r.payload, payload)
                && Arrays.equals(r.signature, signature);
    }

    @Override
    public int hashCode() {
        return boardKey().hashCode() * 31 + Long.hashCode(version);
    }

    @Override
    public String toString() {
        return "SignedRecord[" + boardKey() + " v" + version + "]";
    }
}
