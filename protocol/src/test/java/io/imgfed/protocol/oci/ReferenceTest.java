package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.OciAssertions.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tags, digests and the reference that is one or the other. */
class ReferenceTest {

    static final String HEX64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final String EMPTY_SHA256 = "sha256:" + HEX64;
    static final String HEX128 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    static final String EMPTY_SHA512 = "sha512:" + HEX128;

    private static final Pattern SPEC_TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    // ---------------------------------------------------------------------------------------------- tags

    @ParameterizedTest
    @ValueSource(strings = {"latest", "3", "3.19", "v1.0.0-rc.1", "_", "_private", "UPPER", "a-b_c.d",
        "sha256-" + HEX64 /* the referrers tag schema's shape */})
    void validTags(String tag) {
        Tag t = Tag.parse(tag);
        assertEquals(tag, t.toString());
        assertTrue(Tag.isValid(tag));
        assertTrue(SPEC_TAG.matcher(tag).matches());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        ".hidden   | starts with '.'",
        "-dash     | starts with '-'",
        "a/b       | '/' at position 2",
        "a+b       | '+' at position 2",
        "a b       | ' ' at position 2",
        "caf\u00e9 | U+00E9 at position 4"})
    void invalidTagsSayWhy(String tag, String why) {
        fails(OciErrorCode.TAG_INVALID, () -> Tag.parse(tag), why);
        assertFalse(Tag.isValid(tag));
        assertFalse(SPEC_TAG.matcher(tag).matches());
    }

    @Test
    void tagLengthLimitIs128() {
        String max = "a".repeat(128);
        assertEquals(max, Tag.parse(max).value());
        fails(OciErrorCode.TAG_INVALID, () -> Tag.parse(max + "a"), "129 characters long; the limit is 128");
        fails(OciErrorCode.TAG_INVALID, () -> Tag.parse(""), "empty");
        fails(OciErrorCode.TAG_INVALID, () -> Tag.parse(null), "empty");
        assertFalse(Tag.isValid(null));
    }

    @Test
    void tagAgreesWithTheSpecOnEveryShortString() {
        char[] alphabet = {'a', 'Z', '0', '_', '.', '-', ':', '/'};
        StringBuilder sb = new StringBuilder();
        for (int len = 1; len <= 5; len++) {
            int[] digits = new int[len];
            while (true) {
                sb.setLength(0);
                for (int d : digits) {
                    sb.append(alphabet[d]);
                }
                String s = sb.toString();
                assertEquals(SPEC_TAG.matcher(s).matches(), Tag.isValid(s), s);
                int i = len - 1;
                while (i >= 0 && ++digits[i] == alphabet.length) {
                    digits[i--] = 0;
                }
                if (i < 0) {
                    break;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------- digests

    @ParameterizedTest
    @ValueSource(strings = {EMPTY_SHA256, EMPTY_SHA512})
    void validDigestsRoundTrip(String digest) {
        OciDigest d = OciDigest.parse(digest);
        assertEquals(digest, d.toString());
        assertEquals(d, OciDigest.parse(d.toString()));
        assertEquals(digest.substring(0, 6), d.algorithm());
        assertEquals(digest.substring(7), d.encoded());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // Not a digest at all under the image spec's grammar.
        "sha256                          | is not <algorithm>:<encoded>",
        ":abc                            | has no algorithm before ':'",
        "sha256:                         | has nothing after ':'",
        "SHA256:abc                      | has 'S' in its algorithm",
        "sha256+:abc                     | algorithm ending in a separator",
        "sha256++b3:abc                  | the separator '+' at position 8",
        "+sha256:abc                     | the separator '+' at position 1",
        "sha256:abc/def                  | '/' at position 11",
        "sha256:abc:def                  | ':' at position 11",
        // Well-formed, but not something this registry verifies.
        "sha384:abc                      | digest algorithm \"sha384\" is not supported; use sha256 or sha512",
        "multihash+base58:QmRZxt2b1FVZPN | digest algorithm \"multihash+base58\" is not supported",
        "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564 | \"sha256+b64u\" is not supported",
        "sha256:abc                      | sha256 digest must be 64 lowercase hex digits; \"abc\" has 3",
        "sha512:abc                      | sha512 digest must be 128 lowercase hex digits"})
    void invalidDigestsSayWhy(String digest, String why) {
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse(digest), why);
        if (digest.contains(":")) {
            fails(OciErrorCode.DIGEST_INVALID, () -> Reference.parse(digest), why);
        } else {
            assertInstanceOf(Tag.class, Reference.parse(digest), "without ':' it is a tag");
        }
    }

    @Test
    void hexMustBeLowercase() {
        String upper = "sha256:" + HEX64.toUpperCase();
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse(upper), "lowercase hex", "'E' at position 1");
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse("sha256:" + HEX64.replace('e', 'g')),
                "'g' at position 1");
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse("sha256:" + HEX64 + "0"), "has 65");
    }

    @Test
    void emptyAndHugeDigests() {
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse(""), "empty");
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse(null), "empty");
        OciError e = fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.parse("sha256:" + "a".repeat(100_000)),
                "100007 characters long");
        assertTrue(e.message().length() < 200, e.message());
    }

    @Test
    void canonicalConstructorValidatesToo() {
        fails(OciErrorCode.DIGEST_INVALID, () -> new OciDigest("md5", "abc"), "not supported");
        fails(OciErrorCode.DIGEST_INVALID, () -> new OciDigest(null, HEX64));
        fails(OciErrorCode.DIGEST_INVALID, () -> new OciDigest("sha256", null));
        assertEquals(OciDigest.parse(EMPTY_SHA256), new OciDigest("sha256", HEX64));
    }

    @Test
    void computesAndVerifies() {
        byte[] empty = new byte[0];
        assertEquals(OciDigest.parse(EMPTY_SHA256), OciDigest.sha256(empty));
        assertTrue(OciDigest.parse(EMPTY_SHA256).matches(empty));
        assertTrue(OciDigest.parse(EMPTY_SHA512).matches(empty));
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        assertFalse(OciDigest.parse(EMPTY_SHA256).matches(hello));
        assertFalse(OciDigest.parse(EMPTY_SHA512).matches(hello));
        OciDigest h = OciDigest.sha256(hello);
        assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", h.toString());
        assertTrue(h.isSha256());
        assertFalse(OciDigest.parse(EMPTY_SHA512).isSha256());
        assertEquals(h, OciDigest.of("sha256", h.newMessageDigest().digest(hello)));
        assertEquals(OciDigest.parse(EMPTY_SHA512),
                OciDigest.of("sha512", OciDigest.parse(EMPTY_SHA512).newMessageDigest().digest(empty)));
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.of("sha256", new byte[31]), "has 62");
        fails(OciErrorCode.DIGEST_INVALID, () -> OciDigest.of("sha1", new byte[20]), "not supported");
    }

    // ---------------------------------------------------------------------------------------- references

    @Test
    void aColonMakesADigest() {
        Reference tag = Reference.parse("3.19");
        assertInstanceOf(Tag.class, tag);
        assertFalse(tag.isDigest());
        assertEquals("3.19", tag.toString());

        Reference digest = Reference.parse(EMPTY_SHA256);
        assertInstanceOf(OciDigest.class, digest);
        assertTrue(digest.isDigest());
        assertEquals(EMPTY_SHA256, digest.toString());

        // Looks like a digest, so it is judged as one; it is not a tag either, since tags have no ':'.
        fails(OciErrorCode.DIGEST_INVALID, () -> Reference.parse("latest:"));
        fails(OciErrorCode.TAG_INVALID, () -> Reference.parse("sha256@" + HEX64), "'@'");
        fails(OciErrorCode.TAG_INVALID, () -> Reference.parse(""));
        fails(OciErrorCode.TAG_INVALID, () -> Reference.parse(null));
        // A 64-hex tag is a tag (the spec keeps them apart by ':').
        assertInstanceOf(Tag.class, Reference.parse(HEX64));
        assertNotEquals(Reference.parse(HEX64), OciDigest.parse(EMPTY_SHA256));
    }
}
