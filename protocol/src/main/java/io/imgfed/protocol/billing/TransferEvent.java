package io.imgfed.protocol.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.ManifestValidator;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * The billing event {@code imgfed.transfer.v1} (SPEC §6): bytes of one image's file that crossed from one DC
 * into another, for one transfer. {@code bytes} counts every byte moved, retries and discarded attempts
 * included; {@code size} is the file's size. Consumers drop duplicates by {@code event_id}. The JSON Schema
 * is {@code imgfed.transfer.v1.schema.json} beside this class.
 */
public record TransferEvent(
        String eventId,
        Type type,
        String imageUuid,
        String owner,
        String fileSha1,
        long bytes,
        long size,
        String sourceDc,
        String destDc,
        String reason,
        Instant startedAt,
        Instant completedAt,
        int attempts,
        String front) {

    /** An event of the IMGAPI front (events before fronts had no {@code front}: they are IMGAPI's). */
    public TransferEvent(String eventId, Type type, String imageUuid, String owner, String fileSha1, long bytes, long size,
            String sourceDc, String destDc, String reason, Instant startedAt, Instant completedAt, int attempts) {
        this(eventId, type, imageUuid, owner, fileSha1, bytes, size, sourceDc, destDc, reason, startedAt, completedAt,
                attempts, "imgapi");
    }

    public static final String SCHEMA = "imgfed.transfer.v1";

    public enum Type {
        COMPLETED("transfer.completed"), FAILED("transfer.failed");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Type parse(String s) {
            for (Type t : values()) {
                if (t.wireName.equals(s)) {
                    return t;
                }
            }
            return null;
        }
    }

    public TransferEvent {
        Objects.requireNonNull(eventId, "event_id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(destDc, "dest_dc");
        Objects.requireNonNull(startedAt, "started_at");
        Objects.requireNonNull(completedAt, "completed_at");
        if (bytes < 0 || size < 0 || attempts < 0) {
            throw new IllegalArgumentException("bytes, size and attempts are never negative");
        }
    }

    public byte[] toJson() {
        ObjectNode o = Json.object();
        o.put("schema", SCHEMA);
        o.put("event_id", eventId);
        o.put("type", type.wireName());
        o.put("image_uuid", imageUuid);
        o.put("owner", owner);
        o.put("file_sha1", fileSha1);
        o.put("bytes", bytes);
        o.put("size", size);
        o.put("source_dc", sourceDc);
        o.put("dest_dc", destDc);
        o.put("reason", reason);
        o.put("started_at", DateTimeFormatter.ISO_INSTANT.format(startedAt));
        o.put("completed_at", DateTimeFormatter.ISO_INSTANT.format(completedAt));
        o.put("attempts", attempts);
        o.put("front", front);
        return Json.bytes(o);
    }

    /** Parses and checks an event; IllegalArgumentException names the first bad field. */
    public static TransferEvent fromJson(byte[] json) {
        JsonNode o;
        try {
            o = Json.tree(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("event is not JSON");
        }
        if (!SCHEMA.equals(o.path("schema").asText())) {
            throw new IllegalArgumentException("schema: not " + SCHEMA);
        }
        Type type = Type.parse(o.path("type").asText());
        if (type == null) {
            throw new IllegalArgumentException("type: must be transfer.completed or transfer.failed");
        }
        String id = uuid(o, "event_id", false);
        String image = uuid(o, "image_uuid", true);
        String owner = uuid(o, "owner", true);
        String sha1 = o.path("file_sha1").isNull() ? null : o.path("file_sha1").asText(null);
        if (sha1 != null && !ImageFile.SHA1.matcher(sha1).matches()) {
            throw new IllegalArgumentException("file_sha1: not a sha1");
        }
        return new TransferEvent(id, type, image, owner, sha1, number(o, "bytes"), number(o, "size"),
                o.path("source_dc").asText(null), text(o, "dest_dc"), text(o, "reason"), time(o, "started_at"),
                time(o, "completed_at"), (int) number(o, "attempts"),
                o.hasNonNull("front") ? o.get("front").asText() : "imgapi");
    }

    private static String uuid(JsonNode o, String f, boolean nullable) {
        JsonNode n = o.get(f);
        if ((n == null || n.isNull()) && nullable) {
            return null;
        }
        if (n == null || !n.isTextual() || !ManifestValidator.UUID.matcher(n.asText()).matches()) {
            throw new IllegalArgumentException(f + ": not a uuid");
        }
        return n.asText();
    }

    private static String text(JsonNode o, String f) {
        JsonNode n = o.get(f);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException(f + ": missing");
        }
        return n.asText();
    }

    private static long number(JsonNode o, String f) {
        JsonNode n = o.get(f);
        if (n == null || !n.isIntegralNumber() || n.asLong() < 0) {
            throw new IllegalArgumentException(f + ": not a non-negative integer");
        }
        return n.asLong();
    }

    private static Instant time(JsonNode o, String f) {
        try {
            return Instant.parse(text(o, f));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(f + ": not an ISO-8601 instant");
        }
    }
}
