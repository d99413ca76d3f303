package io.imgfed.protocol.oci;

/**
 * The {@code <reference>} of {@code /v2/<name>/manifests/<reference>}: a {@link Tag} or an {@link OciDigest}.
 * As the spec has it, the presence of a {@code :} decides (a tag cannot contain one, a digest always does), so
 * {@code sha256:zz} is an invalid digest, not a tag.
 */
public sealed interface Reference permits Tag, OciDigest {

    /**
     * @throws OciException DIGEST_INVALID for a bad digest, TAG_INVALID for a bad tag
     */
    static Reference parse(String reference) {
        if (reference != null && reference.indexOf(':') >= 0) {
            return OciDigest.parse(reference);
        }
        return Tag.parse(reference);
    }

    default boolean isDigest() {
        return this instanceof OciDigest;
    }

    /** The reference as it appears in a URL. */
    @Override
    String toString();
}
