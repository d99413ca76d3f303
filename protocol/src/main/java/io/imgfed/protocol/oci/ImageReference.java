package io.imgfed.protocol.oci;

/**
 * An image as operators write it: {@code <repo>:<tag>}, {@code <repo>@<digest>}, or {@code <repo>} for
 * {@code <repo>:latest}. A mirrored image is named with its upstream's id first ({@code docker.io/library/alpine:3}).
 */
public record ImageReference(RepositoryName name, Reference reference) {

    /**
     * @throws OciException NAME_INVALID, TAG_INVALID or DIGEST_INVALID naming the bad part
     */
    public static ImageReference parse(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw new OciException(OciErrorCode.NAME_INVALID, "an image is <repository>:<tag> or <repository>@<digest>");
        }
        int at = ref.indexOf('@');
        int colon = ref.lastIndexOf(':');
        if (at > 0) {
            return new ImageReference(RepositoryName.parse(ref.substring(0, at)), OciDigest.parse(ref.substring(at + 1)));
        }
        if (colon > 0 && colon > ref.lastIndexOf('/')) {
            return new ImageReference(RepositoryName.parse(ref.substring(0, colon)), Tag.parse(ref.substring(colon + 1)));
        }
        return new ImageReference(RepositoryName.parse(ref), Tag.parse("latest"));
    }

    @Override
    public String toString() {
        return name + (reference instanceof Tag ? ":" : "@") + reference;
    }
}
