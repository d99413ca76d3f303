package io.imgfed.protocol.oci;

/**
 * The {@code Range} header of an upload session's answers (POST, PATCH, GET status): {@code 0-<last byte>}.
 * An empty upload answers {@code 0-0}, as the CNCF registry does, although it reads like one byte: clients
 * written against that registry expect it, and one that resumes from the header after a failure learns the
 * true offset from the 416 of a chunk that does not continue the upload ({@link ContentRange#requireStartsAt}).
 */
public final class UploadRange {

    private UploadRange() {
    }

    /** @param uploadedBytes bytes the session holds, at least 0 */
    public static String header(long uploadedBytes) {
        if (uploadedBytes < 0) {
            throw new IllegalArgumentException("an upload holds " + uploadedBytes + " bytes");
        }
        return "0-" + Math.max(0, uploadedBytes - 1);
    }
}
