package io.imgfed.protocol.json;

import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ManifestValidator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request bodies: exactly one well-formed JSON document, or InvalidContent (400). */
class JsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ImgapiError invalidContent(byte[] body) {
        ImgapiError e = fails(ErrorCode.INVALID_CONTENT, () -> Json.parseBody(body));
        assertEquals(400, e.httpStatus());
        return e;
    }

    @Test
    void parsesAnObject() {
        JsonNode n = Json.parseBody(utf8("{\"name\":\"naïve 😀\",\"n\":1}"));
        assertEquals("naïve 😀", n.get("name").asText());
        assertEquals(1, n.get("n").asInt());
    }

    @Test
    void surroundingWhitespaceIsFine() {
        assertTrue(Json.parseBody(utf8(" \n\t{}\r\n ")).isObject());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "}", "{\"a\":}", "{\"a\":1,}", "{'a':1}", "{a:1}", "[1,2", "nul", "tru", "\"unterminated",
        "{\"a\":NaN}", "{\"a\":01}", "{\"a\":\"\u0001\"}", "// comment\n{}", "{\"a\":1}/*c*/", "\u00ff"})
    void malformedJson(String body) {
        invalidContent(utf8(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t "})
    void emptyBody(String body) {
        invalidContent(utf8(body));
    }

    @Test
    void nullBody() {
        invalidContent(null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"name\":\"a\",\"name\":\"b\"}", "{\"x\":{\"k\":1,\"k\":1}}", "[{\"a\":1,\"a\":2}]"})
    void duplicateKeysAnywhere(String body) {
        ImgapiError e = invalidContent(utf8(body));
        assertTrue(e.message().toLowerCase().contains("duplicate"), e.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} {}", "{}x", "{}]", "[] []", "1 2", "{\"a\":1}}", "{}\n{}"})
    void trailingTokens(String body) {
        invalidContent(utf8(body));
    }

    @Test
    void nestingUpToTheLimitParses() {
        assertTrue(Json.parseBody(utf8("[".repeat(64) + "]".repeat(64))).isArray());
        assertTrue(Json.parseBody(utf8("{\"a\":".repeat(63) + "{}" + "}".repeat(63))).isObject());
    }

    @ParameterizedTest
    @ValueSource(ints = {65, 1000, 100_000})
    void nestingBeyondTheLimitIsRefused(int depth) {
        invalidContent(utf8("[".repeat(depth) + "]".repeat(depth)));
        invalidContent(utf8("{\"a\":".repeat(depth) + "1" + "}".repeat(depth)));
    }

    @Test
    void invalidUtf8IsInvalidContent() {
        invalidContent(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
        invalidContent(new byte[] {(byte) 0xFF, (byte) 0xFE, (byte) 0xFD});
    }

    @Test
    void bytesThatLookLikeUtf32AreInvalidContentNotAServerError() {
        // Jackson sniffs UTF-32 from leading NULs; an impossible code point then fails while decoding.
        invalidContent(new byte[] {0, 0, 0, '{', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, '}'});
        invalidContent(new byte[] {0, 0, 0, '{', 0, 0});
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "[]", "[{}]", "\"string\"", "42", "true"})
    void wellFormedButNotAnObjectIsInvalidContentForCreate(String body) {
        JsonNode n = Json.parseBody(utf8(body));
        fails(ErrorCode.INVALID_CONTENT, () -> ManifestValidator.validateCreate(n, OWNER));
    }

    @Test
    void absurdlyLongNumberIsInvalidContent() {
        invalidContent(utf8("{\"v\":" + "9".repeat(5000) + "}"));
    }

    @Test
    void bytesAndTreeRoundTrip() {
        JsonNode n = Json.tree("{\"a\":[1,\"x\",true,null],\"b\":{\"c\":1.5}}");
        assertEquals(n, Json.tree(Json.bytes(n)));
        assertEquals("{\"a\":1}", new String(Json.bytes(Json.object().put("a", 1)), StandardCharsets.UTF_8),
                "output is compact");
    }

    @Test
    void treeRefusesNonJsonWithIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> Json.tree("{"));
        assertThrows(IllegalArgumentException.class, () -> Json.tree(utf8("{\"a\":1,\"a\":2}")));
    }
}
