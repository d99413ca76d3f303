package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.MD5;
import static io.imgfed.protocol.testing.Fixtures.SHA1;
import static io.imgfed.protocol.testing.Fixtures.SHA256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageFileTest {

    @Test
    void validFile() {
        ImageFile f = new ImageFile(SHA1, 1, Compression.XZ, null, MD5, SHA256);
        assertEquals(1, f.size());
        assertEquals(Compression.XZ, f.compression());
    }

    @Test
    void maxSizeIs20GiB() {
        assertEquals(21_474_836_480L, ImageFile.MAX_SIZE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0123456789ABCDEF0123456789ABCDEF01234567", "0123456789abcdef0123456789abcdef0123456",
        "0123456789abcdef0123456789abcdef012345678", "g123456789abcdef0123456789abcdef01234567", ""})
    void badSha1(String sha1) {
        assertThrows(IllegalArgumentException.class, () -> new ImageFile(sha1, 1, Compression.GZIP, null, null, null));
    }

    @Test
    void nullSha1AndCompressionAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ImageFile(null, 1, Compression.GZIP, null, null, null));
        assertThrows(NullPointerException.class, () -> new ImageFile(SHA1, 1, null, null, null, null));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void sizeMustBePositive(long size) {
        assertThrows(IllegalArgumentException.class, () -> new ImageFile(SHA1, size, Compression.GZIP, null, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1B2M2Y8AsgTpgAmY7PhCfg", "1B2M2Y8AsgTpgAmY7PhCfg=", "d41d8cd98f00b204e9800998ecf8427e", ""})
    void badMd5(String md5) {
        assertThrows(IllegalArgumentException.class, () -> new ImageFile(SHA1, 1, Compression.GZIP, null, md5, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "0123", ""})
    void badSha256(String sha256) {
        assertThrows(IllegalArgumentException.class, () -> new ImageFile(SHA1, 1, Compression.GZIP, null, null, sha256));
    }
}
