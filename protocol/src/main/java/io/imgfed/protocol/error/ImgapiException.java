package io.imgfed.protocol.error;

/** Carries an {@link ImgapiError} through a failed future or a throw; never carries a stack trace to clients. */
public final class ImgapiException extends RuntimeException {
    private final ImgapiError error;

    public ImgapiException(ImgapiError error) {
        super(error.code().wireName() + ": " + error.message(), null, false, false);
        this.error = error;
    }

    public ImgapiError error() {
        return error;
    }
}
