package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.assertCreateAccepts;
import static io.imgfed.protocol.testing.Fixtures.assertCreateInvalid;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.repeat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** homepage and eula: http(s) URLs with a host, at most 1024 characters. */
class ManifestValidatorUrlTest {

    @ParameterizedTest
    @ValueSource(strings = {"homepage", "eula"})
    void goodUrls(String field) {
        for (String url : new String[] {"https://example.com", "http://example.com/", "https://example.com:8443/a/b?q=1#top",
            "http://10.0.0.1/eula.txt", "https://user@example.com/x",
            // hosts java.net.URI does not parse as a server name, which IMGAPI (and browsers) take
            "http://\u4f8b\u3048.jp/", "https://a_b.example.com/", "http://b\u00fccher.example/x"}) {
            assertCreateAccepts(field, TextNode.valueOf(url));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"homepage", "eula"})
    void badUrls(String field) {
        for (String url : new String[] {"", "example.com", "/relative/path", "ftp://example.com/x", "file:///etc/passwd",
            "javascript:alert(1)", "mailto:a@example.com", "http://", "https://", "http:///path", "https://exa mple.com",
            "https://example.com/\0", "http://example.com/\n", "https://[::1"}) {
            assertCreateInvalid(field, TextNode.valueOf(url));
        }
        assertCreateInvalid(field, IntNode.valueOf(1));
        assertCreateInvalid(field, NullNode.instance);
        assertCreateInvalid(field, json("['https://example.com']"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"homepage", "eula"})
    void lengthBoundary(String field) {
        String prefix = "https://example.com/";
        assertCreateAccepts(field, TextNode.valueOf(prefix + repeat('p', ManifestValidator.MAX_URL - prefix.length())));
        assertCreateInvalid(field, TextNode.valueOf(prefix + repeat('p', ManifestValidator.MAX_URL + 1 - prefix.length())));
    }
}
