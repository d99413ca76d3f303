package io.imgfed.protocol.compat;

import static io.imgfed.protocol.compat.ManifestCases.F;
import static io.imgfed.protocol.compat.ManifestCases.array;
import static io.imgfed.protocol.compat.ManifestCases.object;
import static io.imgfed.protocol.compat.ManifestCases.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;

/** The strings the differential test tries: characters, shapes, URLs, uuids, timestamps, sized values. */
final class StringSamples {

    private StringSamples() {
    }

    /**
     * Every ASCII character (controls included), and unicode ones that trip regexes and length checks: letters
     * and digits outside ASCII (which {@code \w}, {@code \d} or case folding might let in), spaces and line
     * separators (Java's {@code $} and JavaScript's differ on some), invisible ones, an astral character and
     * lone surrogates.
     */
    static List<String> characters() {
        List<String> out = new ArrayList<>();
        for (char c = 0; c < 128; c++) {
            out.add(String.valueOf(c));
        }
        out.addAll(List.of("\u0085", "\u00a0", "\u00e9", "\u00df", "\u0130", "\u0131", "\u017f", "\u212a",
                "\u0430", "\u4e2d", "\u0301", "\u0660", "\uff10", "\uff21", "\u2028", "\u2029", "\u200b", "\u3000",
                "\ufeff", "\ufffd", "\ud83d\ude00", "\ud800", "\udc00"));
        return out;
    }

    /** A valid-looking value of {@code field} that carries character {@code c}. */
    static JsonNode carrying(String field, String c) {
        String s = "a" + c + "b";
        return switch (field) {
            case "homepage" -> text("https://example.com/" + s);
            case "billing_tags" -> array(text(s));
            case "users" -> array(object("name", text(s)));
            case "inherited_directories" -> array(text("/" + s));
            case "tags", "traits" -> object(s, text(s));
            case "requirements" -> object("brand", text(s));
            default -> text(s);
        };
    }

    /** Names and versions made only of allowed characters, in shapes that matter: path segments, edges, repeats. */
    static List<String> shapes() {
        return List.of(".", "..", "...", "a/./b", "a/../b", "./a", "a/.", "../a", "a/..", "/", "//", "a//b", "/a",
                "a/", " ", "  ", " a", "a ", "a  b", "-", "-a", "a-", "--", "_", "_a", "~", "a~b", "+", "1.0+build.5",
                "a+b", ".hidden", "a.", "1.0-rc.1", "a_b-c.d/e f", "CamelCase", "0", "00", "-1", "a\nb", "a\n", "\na",
                "a\r\n", "a\u0000", "a\tb");
    }

    static List<String> urls() {
        return List.of("http://example.com", "https://example.com/x?y=1#z", "HTTP://EXAMPLE.COM", "hTtPs://e.com",
                "ftp://example.com", "http://", "https://", "http:example.com", "http:/x", "http:///x", "//example.com",
                "example.com", "mailto:a@b.c", "javascript:alert(1)", "http://exa mple.com", "http://example.com/a b",
                "http://[::1]/", "http://user:pw@host/", "http://example.com:99999/", "http://\u4f8b\u3048.jp/",
                "http://example.com/\u00e9", "http://example.com/%zz", "", " http://example.com",
                "http://example.com\n", "file:///etc/passwd", "http://-/", "http://a_b.example.com/", "https:",
                "http://example.com/{x}", "http://example.com/a|b", "http://exa\u0000mple.com/");
    }

    static List<String> uuidSpellings() {
        return List.of("99999999-9999-4999-8999-999999999999", "00000000-0000-0000-0000-000000000000",
                "e5a1a7ac-3c5f-11e1-9b6c-0800200c9a66", "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA",
                "aaaaaaaa-AAAA-4aaa-8aaa-aaaaaaaaaaaa", "aaaaaaaaaaaa4aaa8aaaaaaaaaaaaaaa",
                "{aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa}", "urn:uuid:aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaaa",
                " aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\n",
                "gggggggg-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "aaaaaaaa_aaaa_4aaa_8aaa_aaaaaaaaaaaa", "", "not-a-uuid",
                "\uff41aaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
    }

    static List<String> timestamps() {
        return List.of("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.678Z", "1970-01-01T00:00:00.000Z",
                "2024-02-29T00:00:00Z", "9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00Z", "2024-01-02",
                "2024-01-02T03:04:05", "2024-01-02T03:04Z", "2024-01-02 03:04:05Z", "2024-01-02T03:04:05+00:00",
                "2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.1234Z", "2024-01-02t03:04:05z", "", "yesterday",
                "2023-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
                "2024-01-32T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T25:00:00Z", "2024-01-01T12:60:00Z",
                "2024-01-01T12:00:60Z", "2024-01-02T03:04:05Z\n", "\u0662024-01-02T03:04:05Z");
    }

    /** {@code unit} repeated to exactly {@code n} UTF-16 chars (padded with 'a' where a unit would not fit). */
    static String length(String unit, int n) {
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() + unit.length() <= n) {
            sb.append(unit);
        }
        while (sb.length() < n) {
            sb.append('a');
        }
        return sb.toString();
    }

    /** A tags object whose JSON text ({@code {"k":"..."}}) is exactly {@code n} chars long. */
    static JsonNode tagsOfJsonLength(int n, char fill) {
        return object("k", text(String.valueOf(fill).repeat(n - 8)));
    }

    /** {@code n} distinct lowercase uuids. */
    static ArrayNode uuids(int n) {
        ArrayNode a = F.arrayNode();
        for (int i = 0; i < n; i++) {
            a.add(String.format("%08x-0000-4000-8000-%012x", i, i));
        }
        return a;
    }

    static ArrayNode repeated(String prefix, int n) {
        ArrayNode a = F.arrayNode();
        for (int i = 0; i < n; i++) {
            a.add(prefix + i);
        }
        return a;
    }

    static ArrayNode users(int n) {
        ArrayNode a = F.arrayNode();
        for (int i = 0; i < n; i++) {
            a.add(object("name", text("user" + i)));
        }
        return a;
    }

    /** Field and JSON value pairs, valid and not, that combinations draw from. */
    static List<String[]> combinationPool() {
        List<String[]> p = new ArrayList<>();
        String[][] pairs = {
            {"description", "\"An image\""}, {"description", "\"\""}, {"homepage", "\"https://example.com\""},
            {"eula", "\"http://example.com/eula\""}, {"public", "true"}, {"public", "false"}, {"disabled", "true"},
            {"acl", "[\"22222222-2222-4222-8222-222222222222\"]"}, {"acl", "[]"},
            {"origin", "\"cccccccc-cccc-4ccc-8ccc-cccccccccccc\""}, {"generate_passwords", "false"},
            {"requirements", "{\"min_ram\":512}"}, {"requirements", "{\"brand\":\"bhyve\",\"bootrom\":\"uefi\"}"},
            {"requirements", "{}"}, {"users", "[{\"name\":\"root\"}]"}, {"users", "[]"},
            {"billing_tags", "[\"a\",\"b\"]"}, {"traits", "{\"x\":true}"}, {"traits", "{}"},
            {"tags", "{\"a\":\"b\",\"n\":1}"}, {"tags", "{}"}, {"inherited_directories", "[\"/opt\"]"},
            {"icon", "false"}, {"v", "2"}, {"name", "\"other name\""}, {"version", "\"1.2.3+4\""},
            {"os", "\"linux\""}, {"type", "\"lx-dataset\""}, {"type", "\"other\""},
            // invalid in both, or in one: each one alone is also a case elsewhere
            {"name", "\"\""}, {"version", "\"a b\""}, {"type", "\"kvm\""}, {"os", "\"\""}, {"image_size", "\"5\""},
            {"nic_driver", "\"e1000\""}, {"state", "\"active\""}, {"files", "[]"}, {"acl", "[\"x\"]"},
            {"requirements", "{\"min_ram\":0}"}, {"tags", "{\"a\":{\"b\":1}}"}, {"homepage", "\"ftp://x\""},
            {"published_at", "\"2024-01-02T03:04:05Z\""}, {"uuid", "\"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\""},
            {"foo", "1"}, {"channels", "[\"dev\"]"}, {"description", "null"}, {"public", "\"true\""},
        };
        for (String[] pair : pairs) {
            p.add(pair);
        }
        return p;
    }
}
