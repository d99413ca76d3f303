package io.imgfed.protocol.oci;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A content descriptor from a manifest (config, layer, child manifest or subject): what the bytes are, their
 * digest and size, and the optional parts a registry reads ({@code platform} on an index's children,
 * {@code urls} of non-distributable layers, {@code annotations}, {@code artifactType}). Fields a registry does
 * not act on (such as embedded {@code data}) are checked for type in {@link ManifestDocument#parse} and not kept.
 *
 * @param platform null when the descriptor has none
 * @param artifactType null when the descriptor has none
 */
public record Descriptor(String mediaType, OciDigest digest, long size, Platform platform, List<String> urls,
        Map<String, String> annotations, String artifactType) {

    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        if (size < 0) {
            throw new IllegalArgumentException("size " + size + " is negative");
        }
        urls = urls == null ? List.of() : List.copyOf(urls);
        annotations = annotations == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    }

    /** A plain descriptor, as for a blob. */
    public Descriptor(String mediaType, OciDigest digest, long size) {
        this(mediaType, digest, size, null, List.of(), Map.of(), null);
    }

    /**
     * A layer whose bytes a registry need not hold: a push that lacks it is not refused with
     * MANIFEST_BLOB_UNKNOWN, and a pull does not fetch it.
     */
    public boolean isNonDistributable() {
        return MediaTypes.isNonDistributable(mediaType);
    }
}
