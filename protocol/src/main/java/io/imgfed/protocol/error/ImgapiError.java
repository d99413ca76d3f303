package io.imgfed.protocol.error;

import java.util.List;

/**
 * An error as a value: the IMGAPI code, a human message, the offending fields and, for 503s, how long a
 * client should wait before retrying.
 */
public record ImgapiError(ErrorCode code, String message, List<FieldError> errors, Integer retryAfterSeconds) {

    public ImgapiError {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public ImgapiError(ErrorCode code, String message, List<FieldError> errors) {
        this(code, message, errors, null);
    }

    public ImgapiError(ErrorCode code, String message) {
        this(code, message, List.of(), null);
    }

    public int httpStatus() {
        return code.httpStatus();
    }

    public ImgapiException toException() {
        return new ImgapiException(this);
    }

    public static ImgapiError notFound(String what) {
        return new ImgapiError(ErrorCode.RESOURCE_NOT_FOUND, what + " not found");
    }

    public static ImgapiError validation(List<FieldError> errors) {
        return new ImgapiError(ErrorCode.VALIDATION_FAILED, describe(errors), errors);
    }

    public static ImgapiError invalidParameter(FieldError error) {
        return new ImgapiError(ErrorCode.INVALID_PARAMETER, error.message(), List.of(error));
    }

    public static ImgapiError invalidParameter(String field, String message) {
        return invalidParameter(FieldError.invalid(field, message));
    }

    public static ImgapiError withField(ErrorCode code, String field, String message) {
        return new ImgapiError(code, message, List.of(FieldError.invalid(field, message)));
    }

    public static ImgapiError unavailable(String message, int retryAfterSeconds) {
        return new ImgapiError(ErrorCode.SERVICE_UNAVAILABLE, message, List.of(), retryAfterSeconds);
    }

    private static String describe(List<FieldError> errors) {
        StringBuilder sb = new StringBuilder("invalid image manifest data: ");
        for (int i = 0; i < errors.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            FieldError e = errors.get(i);
            sb.append(e.field()).append(" (").append(e.message()).append(')');
        }
        return sb.toString();
    }
}
