package io.imgfed.protocol.oci;

/**
 * Carries an {@link OciError} through a throw or a failed future. Every refusal of input by this package is
 * one of these, never another exception, so a route maps it to a response in one place. No stack trace: it
 * is an answer, not a fault.
 */
public final class OciException extends RuntimeException {
    private final OciError error;

    public OciException(OciError error) {
        super(error.code().wireName() + ": " + error.message(), null, false, false);
        this.error = error;
    }

    public OciException(OciErrorCode code, String message) {
        this(new OciError(code, message));
    }

    public OciError error() {
        return error;
    }

    public int httpStatus() {
        return error.httpStatus();
    }
}
