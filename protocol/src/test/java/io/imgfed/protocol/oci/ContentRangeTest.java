package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.OciAssertions.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Content-Range of chunked uploads in every form clients send, and the Range header of the answers. */
class ContentRangeTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "0-0                 | 0   | 0   | 1",
        "0-1023              | 0   | 1023 | 1024",
        "1024-2047           | 1024 | 2047 | 1024",
        "bytes=0-99          | 0   | 99  | 100",
        "BYTES=0-99          | 0   | 99  | 100",
        "bytes 0-99          | 0   | 99  | 100",
        "bytes 0-99/100      | 0   | 99  | 100",
        "bytes 0-99/*        | 0   | 99  | 100",
        "`  5-9  `           | 5   | 9   | 5",
        "999999999999999998-999999999999999999 | 999999999999999998 | 999999999999999999 | 2"})
    void readsEveryForm(String header, long start, long end, long length) {
        ContentRange r = ContentRange.parse(header);
        assertEquals(new ContentRange(start, end), r);
        assertEquals(length, r.length());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                   | is empty",
        "`   `                | is empty",
        "100                  | has no '-'",
        "-100                 | has no start",
        "100-                 | has no end",
        "5-4                  | ends (4) before it starts (5)",
        "a-b                  | has 'a' in its start",
        "1-2x                 | has 'x' in its end",
        "+1-2                 | has '+' in its start",
        "1 - 2                | has ' ' in its start",
        "bytes=-5             | has no start",
        "items=0-5            | has 'i' in its start",
        "0-99/99              | has a total length that does not exceed its end",
        "0-99/x               | has 'x' in its total",
        "0-1234567890123456789 | has more than 18 digits in its end"})
    void refusesWhatIsNotARange(String header, String why) {
        OciError e = fails(OciErrorCode.BLOB_UPLOAD_INVALID, () -> ContentRange.parse(header), why);
        assertEquals(400, e.httpStatus());
    }

    @Test
    void nullIsEmpty() {
        fails(OciErrorCode.BLOB_UPLOAD_INVALID, () -> ContentRange.parse(null), "is empty");
    }

    @Test
    void aChunkMustContinueTheUpload() {
        ContentRange r = ContentRange.parse("100-199");
        r.requireStartsAt(100);
        OciError e = fails(OciErrorCode.RANGE_INVALID, () -> r.requireStartsAt(50), "holds 50 bytes",
                "the next chunk starts at 50");
        assertEquals(416, e.httpStatus());
        fails(OciErrorCode.RANGE_INVALID, () -> r.requireStartsAt(200));
    }

    @Test
    void contentLengthMustBeTheRangesLength() {
        ContentRange r = ContentRange.parse("0-99");
        r.requireLength(100);
        fails(OciErrorCode.SIZE_INVALID, () -> r.requireLength(99), "Content-Length 99 does not match", "100 bytes");
    }

    @Test
    void theRecordRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ContentRange(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ContentRange(5, 4));
    }

    @ParameterizedTest
    @CsvSource({"0, 0-0", "1, 0-0", "2, 0-1", "1024, 0-1023", "9223372036854775807, 0-9223372036854775806"})
    void uploadRangeHeader(long uploaded, String header) {
        assertEquals(header, UploadRange.header(uploaded));
    }

    @Test
    void uploadRangeOfANegativeOffsetIsABug() {
        assertThrows(IllegalArgumentException.class, () -> UploadRange.header(-1));
    }
}
