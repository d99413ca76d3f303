package io.imgfed.protocol.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.List;

/**
 * Renders OCI errors as the spec's body, {@code {"errors":[{"code","message","detail"}]}}: the one place the
 * OCI front turns error values into bytes.
 */
public final class OciErrors {

    /** The Content-Type of an error body. */
    public static final String CONTENT_TYPE = "application/json";

    private OciErrors() {
    }

    /**
     * The body for one or more errors answered together (several MANIFEST_BLOB_UNKNOWN, one per missing blob).
     * The response's status is the first error's.
     */
    public static byte[] body(List<OciError> errors) {
        if (errors == null || errors.isEmpty()) {
            throw new IllegalArgumentException("an error body lists at least one error");
        }
        ObjectNode root = Json.object();
        ArrayNode list = root.putArray("errors");
        for (OciError e : errors) {
            list.add(e.toJson());
        }
        return Json.bytes(root);
    }

    public static byte[] body(OciError error) {
        return body(List.of(error));
    }
}
