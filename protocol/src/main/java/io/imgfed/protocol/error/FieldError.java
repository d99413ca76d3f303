package io.imgfed.protocol.error;

/** One problem with one named field, as listed in an IMGAPI error's {@code errors} array. */
public record FieldError(String field, Code code, String message) {

    /** IMGAPI's per-field error codes. */
    public enum Code { MissingParameter, Invalid, NotAllowed }

    public static FieldError missing(String field) {
        return new FieldError(field, Code.MissingParameter, field + " is required");
    }

    public static FieldError invalid(String field, String message) {
        return new FieldError(field, Code.Invalid, message);
    }

    public static FieldError notAllowed(String field, String message) {
        return new FieldError(field, Code.NotAllowed, message);
    }
}
