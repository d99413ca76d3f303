package io.imgfed.protocol.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** IMGAPI's codes and statuses as listed in IMGAPI-NOTES.md, and the error value around them. */
class ErrorCodeTest {

    @ParameterizedTest
    @CsvSource({
        "ValidationFailed, 422", "InvalidParameter, 422", "ImageFilesImmutable, 422", "ImageAlreadyActivated, 422",
        "NoActivationNoFile, 422", "NotImageOwner, 422", "OriginDoesNotExist, 422", "OriginIsNotActive, 422",
        "ImageHasDependentImages, 422", "ImageUuidAlreadyExists, 409", "OperatorOnly, 403", "ResourceNotFound, 404",
        "Upload, 400", "Download, 400", "InvalidHeader, 400", "InvalidContent, 400", "BadRequest, 400",
        "Unauthorized, 401", "StorageIsDown, 503", "ServiceUnavailable, 503", "InternalError, 500"})
    void imgapiCodeHasItsStatus(String wireName, int status) {
        ErrorCode code = ErrorCode.fromWireName(wireName);
        assertEquals(wireName, code.wireName(), "the code exists under IMGAPI's spelling");
        assertEquals(status, code.httpStatus());
    }

    @Test
    void wireNamesAreUnique() {
        Set<String> seen = new HashSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            assertTrue(seen.add(c.wireName()), c::toString);
        }
    }

    @Test
    void unknownWireNameIsAnInternalError() {
        assertEquals(ErrorCode.INTERNAL_ERROR, ErrorCode.fromWireName("NoSuchCode"));
        assertEquals(ErrorCode.INTERNAL_ERROR, ErrorCode.fromWireName(null));
    }

    @Test
    void validationErrorListsEveryField() {
        ImgapiError e = ImgapiError.validation(List.of(FieldError.missing("name"), FieldError.notAllowed("state", "computed")));
        assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
        assertEquals(422, e.httpStatus());
        assertEquals(2, e.errors().size());
        assertEquals(FieldError.Code.MissingParameter, e.errors().get(0).code());
        assertTrue(e.message().contains("name") && e.message().contains("state"), e.message());
        assertNull(e.retryAfterSeconds());
    }

    @Test
    void errorsListIsACopyAndReadOnly() {
        List<FieldError> list = new java.util.ArrayList<>(List.of(FieldError.missing("a")));
        ImgapiError e = ImgapiError.validation(list);
        list.add(FieldError.missing("b"));
        assertEquals(1, e.errors().size());
        assertThrows(UnsupportedOperationException.class, () -> e.errors().add(FieldError.missing("c")));
        assertNotNull(new ImgapiError(ErrorCode.BAD_REQUEST, "x", null).errors());
        assertTrue(new ImgapiError(ErrorCode.BAD_REQUEST, "x", null).errors().isEmpty());
    }

    @Test
    void helpers() {
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, ImgapiError.notFound("image x").code());
        assertEquals(404, ImgapiError.notFound("image x").httpStatus());

        ImgapiError p = ImgapiError.invalidParameter("limit", "too big");
        assertEquals(ErrorCode.INVALID_PARAMETER, p.code());
        assertEquals(List.of(FieldError.invalid("limit", "too big")), p.errors());

        ImgapiError h = ImgapiError.withField(ErrorCode.INVALID_HEADER, "Content-Length", "bad");
        assertEquals(400, h.httpStatus());
        assertEquals("Content-Length", h.errors().get(0).field());

        ImgapiError u = ImgapiError.unavailable("pull failing", 30);
        assertEquals(503, u.httpStatus());
        assertEquals(30, u.retryAfterSeconds());
    }

    @Test
    void exceptionCarriesTheErrorWithoutAStackTrace() {
        ImgapiException ex = ImgapiError.notFound("image x").toException();
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, ex.error().code());
        assertEquals(0, ex.getStackTrace().length);
        assertTrue(ex.getMessage().startsWith("ResourceNotFound: "), ex.getMessage());
    }

    @Test
    void fieldErrorFactories() {
        assertEquals(new FieldError("x", FieldError.Code.MissingParameter, "x is required"), FieldError.missing("x"));
        assertEquals(FieldError.Code.Invalid, FieldError.invalid("x", "m").code());
        assertEquals(FieldError.Code.NotAllowed, FieldError.notAllowed("x", "m").code());
    }
}
