package io.imgfed.protocol.oci;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The media types the OCI front knows, and the few rules about them it needs: which ones are manifests it
 * stores and serves (OCI image manifest and index, Docker schema 2 manifest and manifest list), which are
 * refused (Docker schema 1, signed or not: deprecated, and its signature covers a rewritten form of the body),
 * and which layers are non-distributable (their bytes live at the descriptor's {@code urls}, not in a
 * registry, so a push need not hold them).
 */
public final class MediaTypes {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_LAYER_NONDISTRIBUTABLE_GZIP =
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public static final String OCI_LAYER_NONDISTRIBUTABLE_ZSTD =
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    /** The image spec's empty JSON object, config of artifacts that have none. */
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /** The manifest types this front stores and serves, image manifests before indexes. */
    public static final List<String> MANIFESTS = List.of(OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST);

    private static final Set<String> NON_DISTRIBUTABLE = Set.of(OCI_LAYER_NONDISTRIBUTABLE,
            OCI_LAYER_NONDISTRIBUTABLE_GZIP, OCI_LAYER_NONDISTRIBUTABLE_ZSTD, DOCKER_FOREIGN_LAYER);

    private MediaTypes() {
    }

    /**
     * The type of a Content-Type or Accept value without its parameters, trimmed and lowercased (media types
     * compare case-insensitively); null for null or blank.
     */
    public static String essence(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return type.isEmpty() ? null : type.toLowerCase(Locale.ROOT);
    }

    /** The constant from {@link #MANIFESTS} that {@code mediaType} names (any case, parameters ignored), or null. */
    public static String supportedManifest(String mediaType) {
        String e = essence(mediaType);
        for (String m : MANIFESTS) {
            if (m.equals(e)) {
                return m;
            }
        }
        return null;
    }

    public static boolean isManifest(String mediaType) {
        return supportedManifest(mediaType) != null;
    }

    /** An index (OCI image index or Docker manifest list): its descriptors name manifests, not blobs. */
    public static boolean isIndex(String mediaType) {
        String m = supportedManifest(mediaType);
        return OCI_INDEX.equals(m) || DOCKER_MANIFEST_LIST.equals(m);
    }

    /** Docker schema 1, signed or not: recognised so that it can be refused with a clear message. */
    public static boolean isSchema1(String mediaType) {
        String e = essence(mediaType);
        return DOCKER_SCHEMA1.equals(e) || DOCKER_SCHEMA1_SIGNED.equals(e);
    }

    /** A layer whose bytes a registry need not hold (the descriptor's {@code urls} say where they are). */
    public static boolean isNonDistributable(String mediaType) {
        String e = essence(mediaType);
        return e != null && NON_DISTRIBUTABLE.contains(e);
    }

    /**
     * Whether {@code mediaType} is {@code type/subtype} with both names as RFC 6838 restricts them (a letter or
     * digit, then up to 126 of letters, digits and {@code !#$&-^_.+}), which the image spec requires of a
     * descriptor's media type. No parameters.
     */
    public static boolean isWellFormed(String mediaType) {
        if (mediaType == null) {
            return false;
        }
        int slash = mediaType.indexOf('/');
        return slash > 0 && isRestrictedName(mediaType, 0, slash)
                && isRestrictedName(mediaType, slash + 1, mediaType.length());
    }

    private static boolean isRestrictedName(String s, int from, int to) {
        if (to - from < 1 || to - from > 127 || !isAlnum(s.charAt(from))) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!isAlnum(c) && "!#$&-^_.+".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
