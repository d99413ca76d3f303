package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.PUBLISHED;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.UUID_B;
import static io.imgfed.protocol.testing.Fixtures.assertHasFieldError;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.importBody;
import static io.imgfed.protocol.testing.Fixtures.importFails;
import static io.imgfed.protocol.testing.Fixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** AdminImportImage: the uuid and published_at are kept, and published_at must be a real UTC instant. */
class ManifestValidatorImportTest {

    @Test
    void validImportKeepsUuidAndPublishedAt() {
        ObjectNode body = importBody(UUID_A);
        ObjectNode out = ManifestValidator.validateImport(body, UUID_A);
        assertEquals(UUID_A, out.get("uuid").asText());
        assertEquals(PUBLISHED, out.get("published_at").asText());
        assertEquals(2, out.get("v").asInt());
    }

    /**
     * IMGAPI refuses {@code icon: true} in an import (an icon is added with AddImageIcon, which imgfed does not
     * offer), so imgfed would otherwise announce an icon nobody can fetch; {@code false} says there is none.
     */
    @Test
    void iconTrueIsRefusedAndIconFalseDropped() {
        ObjectNode withIcon = importBody(UUID_A);
        withIcon.put("icon", true);
        assertOnlyFieldError(importFails(withIcon, UUID_A), "icon", Code.Invalid);
        ObjectNode noIcon = importBody(UUID_A);
        noIcon.put("icon", false);
        assertFalse(ManifestValidator.validateImport(noIcon, UUID_A).has("icon"));
    }

    /**
     * A manifest as any IMGAPI's GetImage serves it (with the computed state and its files) imports as it is,
     * as into IMGAPI: state and files are ignored, whatever they say; the file comes with AddImageFile.
     */
    @Test
    void importIgnoresStateAndFilesAsImgapiDoes() {
        ObjectNode body = importBody(UUID_A);
        body.put("state", "active");
        body.set("files", json("[{'sha1':'0123456789abcdef0123456789abcdef01234567','size':4096,'compression':'gzip'}]"));
        ObjectNode out = ManifestValidator.validateImport(body, UUID_A);
        assertFalse(out.has("state"));
        assertFalse(out.has("files"));
        for (String junk : new String[] {"'x'", "1", "null", "{}"}) {
            ObjectNode b = importBody(UUID_A);
            b.set("state", json(junk));
            b.set("files", json(junk));
            assertFalse(ManifestValidator.validateImport(b, UUID_A).has("state"));
        }
    }

    @Test
    void publishedAtIsOptional() {
        ObjectNode body = importBody(UUID_A);
        body.remove("published_at");
        assertFalse(ManifestValidator.validateImport(body, UUID_A).has("published_at"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"uuid", "owner", "name", "version", "type", "os"})
    void requiredFieldMissing(String field) {
        ObjectNode body = importBody(UUID_A);
        body.remove(field);
        assertOnlyFieldError(importFails(body, UUID_A), field, Code.MissingParameter);
    }

    @Test
    void uuidMustEqualThePathUuid() {
        assertOnlyFieldError(importFails(importBody(UUID_A), UUID_B), "uuid", Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa",
        "aaaaaaaaaaaa4aaa8aaaaaaaaaaaaaaa", "{aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa}", ""})
    void malformedUuidIsOneInvalidError(String uuid) {
        ObjectNode body = importBody(UUID_A);
        body.put("uuid", uuid);
        // Not also "missing" and not also "differs from the path".
        assertOnlyFieldError(importFails(body, UUID_A), "uuid", Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"error", "home_dc"})
    void failureAndInternalFieldsAreNotAllowed(String field) {
        ObjectNode body = importBody(UUID_A);
        body.put(field, "x");
        assertOnlyFieldError(importFails(body, UUID_A), field, Code.NotAllowed);
    }

    @Test
    void iconMustBeABoolean() {
        ObjectNode body = importBody(UUID_A);
        body.put("icon", "yes");
        assertOnlyFieldError(importFails(body, UUID_A), "icon", Code.Invalid);
    }

    @ParameterizedTest
    @CsvSource({
        "2024-01-02T03:04:05Z,      2024-01-02T03:04:05.000Z",
        "2024-01-02T03:04:05.678Z,  2024-01-02T03:04:05.678Z",
        "2024-01-02T03:04:05.000Z,  2024-01-02T03:04:05.000Z",
        "2024-02-29T00:00:00Z,      2024-02-29T00:00:00.000Z",
        "2000-02-29T23:59:59.999Z,  2000-02-29T23:59:59.999Z",
        "1970-01-01T00:00:00Z,      1970-01-01T00:00:00.000Z"})
    void publishedAtIsKeptAtMillisecondPrecision(String given, String stored) {
        ObjectNode body = importBody(UUID_A);
        body.put("published_at", given);
        assertEquals(stored, ManifestValidator.validateImport(body, UUID_A).get("published_at").asText());
    }

    static Stream<JsonNode> badPublishedAt() {
        return Stream.of(
                // shape
                "2024-01-02", "2024-01-02T03:04:05", "2024-01-02T03:04Z", "2024-01-02 03:04:05Z",
                "2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.12Z",
                "2024-01-02T03:04:05.1234Z", "2024-01-02t03:04:05z", "24-01-02T03:04:05Z", " 2024-01-02T03:04:05Z",
                "2024-01-02T03:04:05Z\n", "\uff12\uff10\uff12\uff14-01-02T03:04:05Z", "", "yesterday",
                // impossible dates and times
                "2023-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z",
                "2024-00-10T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z", "2024-01-01T25:00:00Z",
                "2024-01-01T12:60:00Z", "2024-01-01T12:00:61Z", "2100-02-29T00:00:00.000Z")
                .map(s -> (JsonNode) TextNode.valueOf(s));
    }

    @ParameterizedTest
    @MethodSource("badPublishedAt")
    void badPublishedAtIsInvalid(JsonNode at) {
        ObjectNode body = importBody(UUID_A);
        body.set("published_at", at);
        assertOnlyFieldError(importFails(body, UUID_A), "published_at", Code.Invalid);
    }

    @Test
    void publishedAtMustBeAString() {
        for (JsonNode at : new JsonNode[] {IntNode.valueOf(1704164645), json("null"), json("{}")}) {
            ObjectNode body = importBody(UUID_A);
            body.set("published_at", at);
            assertOnlyFieldError(importFails(body, UUID_A), "published_at", Code.Invalid);
        }
    }

    @Test
    void importAppliesTheSameFieldRulesAsCreate() {
        ObjectNode body = importBody(UUID_A);
        body.put("name", "a/../b");
        body.put("origin", "nope");
        ImgapiError e = importFails(body, UUID_A);
        assertEquals(2, e.errors().size(), e.errors()::toString);
        assertHasFieldError(e, "name", Code.Invalid);
        assertHasFieldError(e, "origin", Code.Invalid);
    }
}
