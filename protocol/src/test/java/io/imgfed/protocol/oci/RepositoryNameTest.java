package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.OciAssertions.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Repository names: the spec's grammar, exactly, in linear time, with messages that say what is wrong. */
class RepositoryNameTest {

    /** The spec's grammar, for the differential test only (it backtracks; the model must not). */
    private static final Pattern SPEC = Pattern.compile(
            "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "alpine", "library/alpine", "a/b/c/d/e", "my-app", "my--app", "my----app",
        "my.app", "my_app", "my__app", "a.b-c_d__e", "docker.io/library/alpine", "ghcr.io/org/repo",
        "localhost/x", "1/2/3", "a1b2/c3d4", "foo.bar.baz/x-y-z"})
    void validNames(String name) {
        RepositoryName n = RepositoryName.parse(name);
        assertEquals(name, n.value());
        assertEquals(name, n.toString());
        assertTrue(SPEC.matcher(name).matches(), "the spec agrees");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "Alpine            | 'A' at position 1; only lowercase letters, digits, '.', '_', '-' and '/' are allowed (names are lowercase)",
        "al pine           | ' ' at position 3",
        "a:b               | ':' at position 2",
        "a@b               | '@' at position 2",
        "/a                | starts with '/'",
        "a/                | ends with '/'",
        "a//b              | empty path component at position 3",
        "-a                | '-' at position 1, at the start of path component 1",
        "a/.b              | '.' at position 3, at the start of path component 2",
        "_a                | '_' at position 1",
        "a-                | ends with '-'",
        "a./b              | path component 1 ending in '.'",
        "a..b              | the separator \"..\" at position 2",
        "a___b             | the separator \"___\" at position 2",
        "a._b              | the separator \"._\" at position 2",
        "a-_b              | the separator \"-_\" at position 2",
        "a_-b              | the separator \"_-\" at position 2",
        "a.-b              | the separator \".-\" at position 2"})
    void invalidNamesSayWhy(String name, String why) {
        OciError e = fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse(name), why);
        assertTrue(e.message().startsWith("repository name \"" + name + "\""), e.message());
        assertFalse(SPEC.matcher(name).matches(), "the spec agrees");
    }

    @Test
    void emptyAndNull() {
        fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse(""), "empty");
        fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse(null), "empty");
    }

    @Test
    void lengthLimitIs255() {
        String max = "a".repeat(100) + "/" + "b".repeat(154);
        assertEquals(255, RepositoryName.parse(max).value().length());
        OciError e = fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse(max + "c"),
                "256 characters long; the limit is 255");
        assertTrue(e.message().length() < 250, "the name is not echoed whole: " + e.message());
    }

    @Test
    void nonAsciiIsNamedByCodePoint() {
        fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse("caf\u00e9"), "U+00E9 at position 4");
        fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse("a\u0000"), "U+0000 at position 2");
    }

    /**
     * Every string up to length 6 over an alphabet that exercises each rule: the hand-written check accepts
     * exactly what the spec's regular expression accepts.
     */
    @Test
    void agreesWithTheSpecsRegexOnEveryShortString() {
        char[] alphabet = {'a', '0', '.', '_', '-', '/', 'A'};
        int checked = 0;
        StringBuilder sb = new StringBuilder();
        for (int len = 1; len <= 6; len++) {
            int[] digits = new int[len];
            while (true) {
                sb.setLength(0);
                for (int d : digits) {
                    sb.append(alphabet[d]);
                }
                String s = sb.toString();
                boolean spec = SPEC.matcher(s).matches();
                String error = RepositoryName.grammarError(s);
                if (spec != (error == null)) {
                    throw new AssertionError(s + ": spec " + spec + ", model " + error);
                }
                checked++;
                int i = len - 1;
                while (i >= 0 && ++digits[i] == alphabet.length) {
                    digits[i--] = 0;
                }
                if (i < 0) {
                    break;
                }
            }
        }
        assertEquals(137_256, checked);
    }

    /**
     * Hostile input, 100 KB at a time, shaped against backtracking ({@code -+} inside a repeated group) and
     * recursion (many repetitions): the check stays linear and returns. The length cap would refuse such input
     * unread, so the grammar check is run on it directly. With the spec's pattern in Java's engine in place of
     * the hand-written check, the long valid-shaped name overflows the stack and this test fails.
     */
    @Test
    void hostileInputTakesLinearTime() {
        String dashes = "a" + "-".repeat(100_000) + "!";
        String pairs = "a-".repeat(50_000) + "!";
        String dotsAndDashes = "a.b-".repeat(25_000) + "-";
        String components = "a/".repeat(50_000) + "A";
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (int round = 0; round < 20; round++) {
                for (String s : List.of(dashes, pairs, dotsAndDashes, components)) {
                    assertTrue(RepositoryName.grammarError(s) != null);
                }
            }
        });
        assertNull(RepositoryName.grammarError("a" + "-b".repeat(50_000)), "a long valid name is valid but for length");
        fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse(pairs), "characters long");
    }

    @Test
    void components() {
        RepositoryName n = RepositoryName.parse("docker.io/library/alpine");
        assertEquals(List.of("docker.io", "library", "alpine"), n.components());
        assertEquals("docker.io", n.firstComponent());
        assertTrue(n.hasSeveralComponents());
        assertEquals(RepositoryName.parse("library/alpine"), n.withoutFirstComponent());
        RepositoryName single = RepositoryName.parse("alpine");
        assertEquals("alpine", single.firstComponent());
        assertFalse(single.hasSeveralComponents());
        assertThrows(IllegalStateException.class, single::withoutFirstComponent);
        assertEquals(RepositoryName.parse("library/alpine"), single.prefixed("library"));
        fails(OciErrorCode.NAME_INVALID, () -> single.prefixed("Lib"));
        fails(OciErrorCode.NAME_INVALID, () -> RepositoryName.parse("a".repeat(250)).prefixed("library"), "limit");
    }

    @Test
    void canonicalConstructorValidatesToo() {
        fails(OciErrorCode.NAME_INVALID, () -> new RepositoryName("UPPER"));
        assertEquals(new RepositoryName("a/b"), RepositoryName.parse("a/b"));
    }
}
