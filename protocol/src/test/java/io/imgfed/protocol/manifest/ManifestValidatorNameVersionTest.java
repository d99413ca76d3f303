package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.assertCreateAccepts;
import static io.imgfed.protocol.testing.Fixtures.assertCreateInvalid;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.repeat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * name and version: IMGAPI's character classes and lengths, plus the "odd characters" that tools building
 * paths and URLs from them must never see.
 */
class ManifestValidatorNameVersionTest {

    @ParameterizedTest
    @ValueSource(strings = {"base-64.lts", "base-64", "base 64", "a", "Z", "0", "A_b.c-d", "images/base-64",
        "a..b", "...", "v1.2.3", "trailing.", ".hidden", "x/y/z", "with  two spaces"})
    void goodNames(String name) {
        assertCreateAccepts("name", TextNode.valueOf(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"24.1.0", "1.0.0+build.5", "20240102", "1.0-rc1", "a_b", "release/1.0", "1..2", "+"})
    void goodVersions(String version) {
        assertCreateAccepts("version", TextNode.valueOf(version));
    }

    /** Characters and path segments neither field may carry. */
    static Stream<String> oddForBoth() {
        return Stream.of("naïve", "caf\u00e9", "emoji-😀", "\u202eevil", "full\uff0ewidth", "a\0b", "\0",
                "say \"hi\"", "it's", "a'b", "../etc", "..", ".", "a/..", "a/../b", "a/./b", "./a", "../",
                "line\nbreak", "trailing\n", "\nleading", "tab\there", "cr\rhere", "back\\slash", "semi;colon",
                "a:b", "a*b", "a?b", "a#b", "a%2e%2e", "a<b>", "a|b", "a&b", "a$b", "a@b", "a,b", "a=b", "a~b",
                "");
    }

    @ParameterizedTest
    @MethodSource("oddForBoth")
    void oddNameIsInvalid(String name) {
        assertCreateInvalid("name", TextNode.valueOf(name));
    }

    @ParameterizedTest
    @MethodSource("oddForBoth")
    void oddVersionIsInvalid(String version) {
        assertCreateInvalid("version", TextNode.valueOf(version));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a+b", "c++"})
    void plusIsAllowedInVersionOnly(String s) {
        assertCreateInvalid("name", TextNode.valueOf(s));
        assertCreateAccepts("version", TextNode.valueOf(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1 0", " 1.0", "1.0 "})
    void spaceIsAllowedInNameOnly(String s) {
        assertCreateAccepts("name", TextNode.valueOf(s));
        assertCreateInvalid("version", TextNode.valueOf(s));
    }

    @Test
    void nameLengthBoundary() {
        assertCreateAccepts("name", TextNode.valueOf(repeat('n', ManifestValidator.MAX_NAME)));
        assertCreateInvalid("name", TextNode.valueOf(repeat('n', ManifestValidator.MAX_NAME + 1)));
    }

    @Test
    void versionLengthBoundary() {
        assertCreateAccepts("version", TextNode.valueOf(repeat('9', ManifestValidator.MAX_VERSION)));
        assertCreateInvalid("version", TextNode.valueOf(repeat('9', ManifestValidator.MAX_VERSION + 1)));
    }

    @Test
    void limitsAreTheDocumentedOnes() {
        assertEquals(1024, ManifestValidator.MAX_NAME);
        assertEquals(512, ManifestValidator.MAX_VERSION);
    }

    static Stream<JsonNode> notStrings() {
        return Stream.of(IntNode.valueOf(1), BooleanNode.TRUE, NullNode.instance, json("[]"), json("{}"),
                json("['base']"));
    }

    @ParameterizedTest
    @MethodSource("notStrings")
    void nonStringNameOrVersionIsInvalid(JsonNode v) {
        assertCreateInvalid("name", v);
        assertCreateInvalid("version", v);
    }
}
