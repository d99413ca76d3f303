package io.imgfed.protocol.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the typed parts of a manifest's JSON tree (strings, descriptors, platforms, annotations), refusing
 * anything of the wrong shape with MANIFEST_INVALID whose message starts with the JSON path of the field
 * ({@code layers[2].digest: ...}). Unknown fields are ignored, as the image spec requires.
 */
final class ManifestFields {

    private ManifestFields() {
    }

    static OciException invalid(String path, String problem) {
        return new OciException(OciErrorCode.MANIFEST_INVALID, path + ": " + problem);
    }

    /** A string field, or null if absent; JSON null counts as absent. */
    static String optionalString(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw invalid(path, "must be a string, not " + kind(n));
        }
        return n.textValue();
    }

    static String requiredString(JsonNode parent, String field, String path) {
        String s = optionalString(parent, field, path);
        if (s == null) {
            throw invalid(path, "is required");
        }
        return s;
    }

    /** An array of strings; empty if absent. */
    static List<String> strings(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw invalid(path, "must be an array of strings, not " + kind(n));
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                throw invalid(path + "[" + i + "]", "must be a string, not " + kind(e));
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** A map of string to string; empty if absent. */
    static Map<String, String> annotations(JsonNode parent, String path) {
        JsonNode n = parent.get("annotations");
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw invalid(path, "must be an object of strings, not " + kind(n));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().isTextual()) {
                throw invalid(path + "." + Quoted.of(e.getKey()), "must be a string, not " + kind(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** A media type as the image spec requires it of descriptors and {@code artifactType}, or null if absent. */
    static String mediaType(JsonNode parent, String field, String path, boolean required) {
        String s = required ? requiredString(parent, field, path) : optionalString(parent, field, path);
        if (s != null && !MediaTypes.isWellFormed(s)) {
            throw invalid(path, Quoted.of(s) + " is not a media type (type/subtype, RFC 6838 names)");
        }
        return s;
    }

    /** A descriptor, required: {@code mediaType}, {@code digest}, {@code size}, and the optional parts typed. */
    static Descriptor descriptor(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            throw invalid(path, "is required");
        }
        if (!n.isObject()) {
            throw invalid(path, "must be a descriptor object, not " + kind(n));
        }
        String mediaType = mediaType(n, "mediaType", path + ".mediaType", true);
        String digestText = requiredString(n, "digest", path + ".digest");
        OciDigest digest;
        try {
            digest = OciDigest.parse(digestText);
        } catch (OciException e) {
            throw invalid(path + ".digest", e.error().message());
        }
        long size = size(n.get("size"), path + ".size");
        List<String> urls = strings(n, "urls", path + ".urls");
        Map<String, String> annotations = annotations(n, path + ".annotations");
        String artifactType = mediaType(n, "artifactType", path + ".artifactType", false);
        optionalString(n, "data", path + ".data");
        Platform platform = platform(n.get("platform"), path + ".platform");
        return new Descriptor(mediaType, digest, size, platform, urls, annotations, artifactType);
    }

    /** An array of descriptors; {@code required} says whether absence is an error (else: empty). */
    static List<Descriptor> descriptors(JsonNode parent, String field, boolean required) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw invalid(field, "is required");
            }
            return List.of();
        }
        if (!n.isArray()) {
            throw invalid(field, "must be an array of descriptors, not " + kind(n));
        }
        List<Descriptor> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(descriptor(n.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    private static long size(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            throw invalid(path, "is required");
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw invalid(path, "must be an integer of at most " + Long.MAX_VALUE + ", not " + kind(n));
        }
        long size = n.longValue();
        if (size < 0) {
            throw invalid(path, "must not be negative; it is " + size);
        }
        return size;
    }

    private static Platform platform(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw invalid(path, "must be an object, not " + kind(n));
        }
        return new Platform(
                requiredString(n, "architecture", path + ".architecture"),
                requiredString(n, "os", path + ".os"),
                optionalString(n, "os.version", path + ".os.version"),
                strings(n, "os.features", path + ".os.features"),
                optionalString(n, "variant", path + ".variant"),
                strings(n, "features", path + ".features"));
    }

    /** How a value is described in a message: its JSON type, and a short number as written. */
    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number " + Quoted.of(n.asText());
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
