package io.imgfed.protocol.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.Objects;

/**
 * One entry of an OCI error body: a code, a human message and an optional {@code detail} (any JSON, or null
 * for none). A value, so that code deep in the protocol model can refuse input without knowing about HTTP;
 * {@link OciErrors} renders a list of them once, at the front.
 */
public record OciError(OciErrorCode code, String message, JsonNode detail) {

    public OciError {
        Objects.requireNonNull(code, "code");
        message = message == null || message.isBlank() ? code.defaultMessage() : message;
        // JsonNode is mutable; a copy keeps the record a value.
        detail = detail == null || detail.isNull() || detail.isMissingNode() ? null : detail.deepCopy();
    }

    public OciError(OciErrorCode code, String message) {
        this(code, message, null);
    }

    /** The error with the spec's message for its code. */
    public static OciError of(OciErrorCode code) {
        return new OciError(code, null, null);
    }

    public int httpStatus() {
        return code.httpStatus();
    }

    public OciError withDetail(JsonNode newDetail) {
        return new OciError(code, message, newDetail);
    }

    public OciException toException() {
        return new OciException(this);
    }

    /** {@code {"code":..,"message":..,"detail":..}}, without {@code detail} when there is none (as distribution). */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("code", code.wireName());
        o.put("message", message);
        if (detail != null) {
            o.set("detail", detail.deepCopy());
        }
        return o;
    }
}
