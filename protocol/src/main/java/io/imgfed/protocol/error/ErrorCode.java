package io.imgfed.protocol.error;

/** IMGAPI's error codes with the HTTP status each one is answered with. */
public enum ErrorCode {
    VALIDATION_FAILED("ValidationFailed", 422),
    INVALID_PARAMETER("InvalidParameter", 422),
    IMAGE_FILES_IMMUTABLE("ImageFilesImmutable", 422),
    IMAGE_ALREADY_ACTIVATED("ImageAlreadyActivated", 422),
    NO_ACTIVATION_NO_FILE("NoActivationNoFile", 422),
    NOT_IMAGE_OWNER("NotImageOwner", 422),
    ORIGIN_DOES_NOT_EXIST("OriginDoesNotExist", 422),
    ORIGIN_IS_NOT_ACTIVE("OriginIsNotActive", 422),
    IMAGE_HAS_DEPENDENT_IMAGES("ImageHasDependentImages", 422),
    IMAGE_UUID_ALREADY_EXISTS("ImageUuidAlreadyExists", 409),
    /** imgfed: a second AddImageFile while the first is still streaming. */
    UPLOAD_IN_PROGRESS("UploadInProgress", 409),
    OPERATOR_ONLY("OperatorOnly", 403),
    /** The caller is authenticated but may not act as it asked (another account, another DC's identity). */
    FORBIDDEN("Forbidden", 403),
    RESOURCE_NOT_FOUND("ResourceNotFound", 404),
    UPLOAD("Upload", 400),
    DOWNLOAD("Download", 400),
    INVALID_HEADER("InvalidHeader", 400),
    INVALID_CONTENT("InvalidContent", 400),
    BAD_REQUEST("BadRequest", 400),
    UNAUTHORIZED("Unauthorized", 401),
    METHOD_NOT_ALLOWED("MethodNotAllowed", 405),
    NOT_ACCEPTABLE("NotAcceptable", 406),
    REQUEST_TOO_LARGE("RequestEntityTooLarge", 413),
    RANGE_NOT_SATISFIABLE("RequestedRangeNotSatisfiable", 416),
    INSUFFICIENT_STORAGE("InsufficientStorage", 507),
    STORAGE_IS_DOWN("StorageIsDown", 503),
    SERVICE_UNAVAILABLE("ServiceUnavailable", 503),
    INTERNAL_ERROR("InternalError", 500);

    private final String wireName;
    private final int httpStatus;

    ErrorCode(String wireName, int httpStatus) {
        this.wireName = wireName;
        this.httpStatus = httpStatus;
    }

    /** The code as IMGAPI spells it in the JSON body. */
    public String wireName() {
        return wireName;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public static ErrorCode fromWireName(String name) {
        for (ErrorCode c : values()) {
            if (c.wireName.equals(name)) {
                return c;
            }
        }
        return INTERNAL_ERROR;
    }
}
