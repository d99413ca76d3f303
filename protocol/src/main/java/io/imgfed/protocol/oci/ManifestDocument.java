package io.imgfed.protocol.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A manifest as pushed or pulled, checked and read: its media type, the sha256 digest of its exact bytes, and
 * what it references (config and layers of an image manifest, child manifests of an index, the
 * {@code subject}). The bytes themselves are stored and served unchanged; this is what a registry needs to
 * know about them.
 *
 * <p>{@link #parse} is strict where a registry must be and only there:
 * <ul>
 * <li>at most {@value #MAX_BYTES} bytes (the size the spec says registries should accept). Larger is
 *     MANIFEST_INVALID, as distribution answers, rather than SIZE_INVALID, which the spec keeps for a
 *     Content-Length that disagrees with the body. The route should cap the body it reads at the same size.</li>
 * <li>one JSON object under {@link Json#MAPPER}: a duplicate key is refused, so that no two readers of one
 *     manifest can see two different documents;</li>
 * <li>{@code schemaVersion} 2; Docker schema 1 (by media type or {@code schemaVersion: 1}) is refused;</li>
 * <li>the media type is the body's {@code mediaType}, else the Content-Type, else inferred from the fields; when
 *     both name one they must agree. A generic Content-Type ({@code application/json},
 *     {@code application/octet-stream}) counts as none, as clients that do not set one send these;</li>
 * <li>an image manifest must not have {@code manifests} and an index must not have {@code config} or
 *     {@code layers}: a document that reads as both is the ambiguity of CVE-2021-41190, where two clients
 *     pulling one digest could run different images;</li>
 * <li>every descriptor has a media type, a digest this registry can verify, and a non-negative integer size.</li>
 * </ul>
 * Unknown fields are ignored, as the image spec requires. Whether referenced blobs exist is the route's
 * question ({@link #requiredContent()}).
 *
 * @param config null for an index
 * @param layers empty for an index
 * @param manifests empty for an image manifest
 * @param subject null when the manifest has none
 * @param artifactType null when the manifest has none
 */
public record ManifestDocument(String mediaType, OciDigest digest, long size, Descriptor config,
        List<Descriptor> layers, List<Descriptor> manifests, Descriptor subject, String artifactType,
        Map<String, String> annotations) {

    /** 4 MiB: the largest manifest accepted. */
    public static final int MAX_BYTES = 4 * 1024 * 1024;

    /** Content-Types that say nothing about which manifest this is. */
    private static final Set<String> GENERIC_CONTENT_TYPES = Set.of("application/json", "application/octet-stream",
            "application/x-www-form-urlencoded", "text/plain");

    /** The parser's messages quote up to 256 characters of input; enough of that to find the problem. */
    private static final int PARSER_MESSAGE_CHARS = 200;

    public ManifestDocument {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        layers = List.copyOf(layers);
        manifests = List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    }

    /**
     * Checks and reads a manifest body.
     *
     * @param contentType the request's or the upstream response's Content-Type; may be null
     * @throws OciException MANIFEST_INVALID naming the problem; no other exception, whatever the input
     */
    public static ManifestDocument parse(byte[] body, String contentType) {
        if (body == null || body.length == 0) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "manifest body is empty");
        }
        if (body.length > MAX_BYTES) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID,
                    "manifest is " + body.length + " bytes; the limit is " + MAX_BYTES);
        }
        JsonNode root = readJson(body);
        if (!root.isObject()) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID,
                    "manifest must be a JSON object, not " + ManifestFields.kind(root));
        }
        String declared = ManifestFields.optionalString(root, "mediaType", "mediaType");
        String header = MediaTypes.essence(contentType);
        if (header != null && GENERIC_CONTENT_TYPES.contains(header)) {
            header = null;
        }
        checkSchemaVersion(root, declared, header);
        String mediaType = mediaType(root, declared, header);

        Descriptor subject = root.hasNonNull("subject") ? ManifestFields.descriptor(root.get("subject"), "subject") : null;
        String artifactType = ManifestFields.mediaType(root, "artifactType", "artifactType", false);
        Map<String, String> annotations = ManifestFields.annotations(root, "annotations");
        Descriptor config = null;
        List<Descriptor> layers = List.of();
        List<Descriptor> manifests = List.of();
        if (MediaTypes.isIndex(mediaType)) {
            for (String field : List.of("config", "layers")) {
                if (root.has(field)) {
                    throw new OciException(OciErrorCode.MANIFEST_INVALID, "an index (" + mediaType + ") must not have '"
                            + field + "'; a document that is both an index and an image manifest is ambiguous");
                }
            }
            manifests = ManifestFields.descriptors(root, "manifests", true);
        } else {
            if (root.has("manifests")) {
                throw new OciException(OciErrorCode.MANIFEST_INVALID, "an image manifest (" + mediaType
                        + ") must not have 'manifests'; a document that is both is ambiguous");
            }
            config = ManifestFields.descriptor(root.get("config"), "config");
            layers = ManifestFields.descriptors(root, "layers", true);
        }
        return new ManifestDocument(mediaType, OciDigest.sha256(body), body.length, config, layers, manifests,
                subject, artifactType, annotations);
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** The blobs an image manifest references, config first then the layers in order; empty for an index. */
    public List<Descriptor> blobs() {
        if (config == null) {
            return List.of();
        }
        List<Descriptor> out = new ArrayList<>(layers.size() + 1);
        out.add(config);
        out.addAll(layers);
        return List.copyOf(out);
    }

    /**
     * What must already be in the repository for a push of this manifest to be accepted (else
     * MANIFEST_BLOB_UNKNOWN): an index's child manifests, or an image manifest's blobs except non-distributable
     * layers. Not the {@code subject}, which the spec lets a client push after its referrers.
     */
    public List<Descriptor> requiredContent() {
        if (isIndex()) {
            return manifests;
        }
        return blobs().stream().filter(d -> !d.isNonDistributable()).toList();
    }

    private static JsonNode readJson(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new OciException(OciErrorCode.MANIFEST_INVALID, "manifest body holds no JSON document");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "manifest is not valid JSON: "
                    + Quoted.text(e.getOriginalMessage(), PARSER_MESSAGE_CHARS));
        } catch (IOException e) {
            // Undecodable bytes (CharConversionException) and anything else the parser cannot read.
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "manifest is not valid JSON: "
                    + Quoted.text(e.getMessage(), PARSER_MESSAGE_CHARS));
        }
    }

    private static void checkSchemaVersion(JsonNode root, String declared, String header) {
        JsonNode v = root.get("schemaVersion");
        if (MediaTypes.isSchema1(declared) || MediaTypes.isSchema1(header)
                || (v != null && v.isIntegralNumber() && v.canConvertToInt() && v.intValue() == 1)) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "schema 1 is not supported; push schema 2 or OCI");
        }
        if (v == null || v.isNull()) {
            throw ManifestFields.invalid("schemaVersion", "is required and must be 2");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() != 2) {
            throw ManifestFields.invalid("schemaVersion", "must be 2, not " + ManifestFields.kind(v));
        }
    }

    /** The manifest's media type from the body, the header or the fields, in that order; they must agree. */
    private static String mediaType(JsonNode root, String declared, String header) {
        String fromBody = declared == null ? null : MediaTypes.supportedManifest(declared);
        if (declared != null && fromBody == null) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "mediaType " + Quoted.of(declared)
                    + " is not a manifest type this registry stores; it stores " + String.join(", ", MediaTypes.MANIFESTS));
        }
        String fromHeader = header == null ? null : MediaTypes.supportedManifest(header);
        if (header != null && fromHeader == null && fromBody == null) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "Content-Type " + Quoted.of(header)
                    + " is not a manifest type this registry stores; it stores " + String.join(", ", MediaTypes.MANIFESTS));
        }
        if (fromBody != null && header != null && !fromBody.equals(fromHeader)) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "Content-Type " + Quoted.of(header)
                    + " does not match the manifest's mediaType " + fromBody);
        }
        if (fromBody != null) {
            return fromBody;
        }
        if (fromHeader != null) {
            return fromHeader;
        }
        boolean index = root.has("manifests");
        boolean image = root.has("config") || root.has("layers");
        if (index && !image) {
            return MediaTypes.OCI_INDEX;
        }
        if (image && !index) {
            return MediaTypes.OCI_MANIFEST;
        }
        throw new OciException(OciErrorCode.MANIFEST_INVALID, index
                ? "manifest has both 'manifests' and 'config'/'layers' and no mediaType; it is ambiguous"
                : "manifest has no mediaType, no Content-Type and neither 'manifests' nor 'config' and 'layers'");
    }
}
