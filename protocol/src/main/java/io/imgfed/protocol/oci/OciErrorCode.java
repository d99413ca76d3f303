package io.imgfed.protocol.oci;

import java.util.Optional;

/**
 * The error codes of the OCI Distribution front, with the HTTP status each one is answered with and the
 * spec's default message. The first fourteen are the Distribution Spec's; the rest are codes the Docker
 * registry (distribution/distribution) added and clients already know, so a client that reads the code
 * understands ours. Where the spec leaves the status open, the status is the one this front answers with.
 */
public enum OciErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    /** 404 here; distribution answers 400. The spec fixes only the code. */
    MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    /** 415 here; distribution answers 405. */
    UNSUPPORTED(415, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),

    /** Docker's: a tag that is not a tag (in a path, or a manifest's tag that differs from the URL's). */
    TAG_INVALID(400, "manifest tag did not match URI"),
    /** Docker's: a chunk that does not start where the upload ends. */
    RANGE_INVALID(416, "invalid content range"),
    /** Docker's: an {@code n} that is not a non-negative integer. */
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    /**
     * Docker's "cannot serve now": the answer that makes containerd and CRI-O try their next host (a mirror
     * whose upstream is down and which has nothing cached), never a hang and never 429.
     */
    UNAVAILABLE(503, "service unavailable"),
    /** Docker's catch-all for a fault of ours; never the answer to bad input. */
    UNKNOWN(500, "unknown error");

    private final int httpStatus;
    private final String defaultMessage;

    OciErrorCode(int httpStatus, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.defaultMessage = defaultMessage;
    }

    /** The code as it appears in the JSON body: the constant's name. */
    public String wireName() {
        return name();
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The spec's message for the code, used when an error has no more specific one. */
    public String defaultMessage() {
        return defaultMessage;
    }

    /** The code an upstream registry's error body names, if it is one we know. */
    public static Optional<OciErrorCode> fromWireName(String name) {
        for (OciErrorCode c : values()) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
