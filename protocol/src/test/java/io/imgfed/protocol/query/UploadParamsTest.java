package io.imgfed.protocol.query;

import static io.imgfed.protocol.testing.Fixtures.SHA1;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static io.imgfed.protocol.testing.Fixtures.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** AddImageFile parameters and Content-Length, checked before any byte is stored. */
class UploadParamsTest {

    private static ImgapiError invalidParam(String field, Code code, String contentLength, String... nameValue) {
        ImgapiError e = fails(ErrorCode.INVALID_PARAMETER, () -> UploadParams.parse(params(nameValue), contentLength));
        assertOnlyFieldError(e, field, code);
        return e;
    }

    private static void badLength(ErrorCode code, String contentLength) {
        ImgapiError e = fails(code, () -> UploadParams.parse(params("compression", "gzip"), contentLength));
        assertEquals(400, e.httpStatus());
        assertOnlyFieldError(e, "Content-Length", Code.Invalid);
    }

    @Test
    void fullyDeclaredUpload() {
        UploadParams p = UploadParams.parse(params("compression", "xz", "sha1", SHA1, "dataset_guid", UUID_A), "4096");
        assertEquals(new UploadParams(Compression.XZ, SHA1, UUID_A, 4096), p);
    }

    @ParameterizedTest
    @CsvSource({"gzip, GZIP", "bzip2, BZIP2", "xz, XZ", "none, NONE"})
    void everyCompression(String given, Compression expected) {
        UploadParams p = UploadParams.parse(params("compression", given), "1");
        assertEquals(expected, p.compression());
        assertNull(p.sha1());
        assertNull(p.datasetGuid());
    }

    @Test
    void compressionIsRequired() {
        invalidParam("compression", Code.MissingParameter, "1");
        invalidParam("compression", Code.MissingParameter, "1", "sha1", SHA1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GZIP", "zip", "", "gz", "lz4"})
    void invalidCompression(String c) {
        invalidParam("compression", Code.Invalid, "1", "compression", c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0123456789ABCDEF0123456789ABCDEF01234567", "0123456789abcdef", "",
        "0123456789abcdef0123456789abcdef012345678", "z123456789abcdef0123456789abcdef01234567"})
    void malformedSha1(String sha1) {
        invalidParam("sha1", Code.Invalid, "1", "compression", "gzip", "sha1", sha1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA", "guid", ""})
    void malformedDatasetGuid(String guid) {
        invalidParam("dataset_guid", Code.Invalid, "1", "compression", "gzip", "dataset_guid", guid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://other-dc.example.com/images/x/file", ""})
    void sourceIsRefused(String source) {
        invalidParam("source", Code.Invalid, "1", "compression", "gzip", "source", source);
    }

    @ParameterizedTest
    @ValueSource(strings = {"compression", "sha1", "dataset_guid"})
    void parametersGivenTwiceAreRefused(String name) {
        String value = switch (name) {
            case "compression" -> "gzip";
            case "sha1" -> SHA1;
            default -> UUID_A;
        };
        invalidParam(name, Code.Invalid, "1", "compression", "gzip", name, value, name, value);
    }

    @Test
    void missingContentLengthMeansChunked() {
        assertEquals(-1, UploadParams.parse(params("compression", "gzip"), null).contentLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "1.5", "1e9", "0x10", "99999999999999999999", "1 2"})
    void nonNumericContentLength(String cl) {
        badLength(ErrorCode.INVALID_HEADER, cl);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-21474836480"})
    void negativeContentLength(String cl) {
        badLength(ErrorCode.INVALID_HEADER, cl);
    }

    @Test
    void emptyFileIsAnUploadError() {
        badLength(ErrorCode.UPLOAD, "0");
    }

    @Test
    void sizeBoundaryIs20GiB() {
        assertEquals(ImageFile.MAX_SIZE,
                UploadParams.parse(params("compression", "gzip"), Long.toString(ImageFile.MAX_SIZE)).contentLength());
        assertEquals(1, UploadParams.parse(params("compression", "gzip"), "1").contentLength());
        badLength(ErrorCode.UPLOAD, Long.toString(ImageFile.MAX_SIZE + 1));
        badLength(ErrorCode.UPLOAD, Long.toString(Long.MAX_VALUE));
    }

    @Test
    void surroundingWhitespaceInContentLengthIsTolerated() {
        assertEquals(42, UploadParams.parse(params("compression", "gzip"), " 42 ").contentLength());
    }
}
