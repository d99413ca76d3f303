package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OTHER;
import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.assertCreateAccepts;
import static io.imgfed.protocol.testing.Fixtures.assertCreateInvalid;
import static io.imgfed.protocol.testing.Fixtures.assertHasFieldError;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.createBody;
import static io.imgfed.protocol.testing.Fixtures.createFails;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.node;
import static io.imgfed.protocol.testing.Fixtures.repeat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** CreateImage: required fields, defaults, owner/account, fields a client may never send, scalar field types. */
class ManifestValidatorCreateTest {

    @Test
    void validBodyIsNormalisedWithDefaults() {
        ObjectNode out = ManifestValidator.validateCreate(createBody(), OWNER);
        assertEquals(2, out.get("v").asInt());
        assertEquals(BooleanNode.FALSE, out.get("disabled"));
        assertEquals(BooleanNode.FALSE, out.get("public"));
        assertEquals(OWNER, out.get("owner").asText());
        assertEquals("base-64", out.get("name").asText());
        assertFalse(out.has("uuid"), "the server assigns the uuid");
        assertFalse(out.has("state"), "state is computed, never stored");
        assertFalse(out.has("published_at"), "published_at is stamped at activation");
    }

    @Test
    void explicitValuesOverrideDefaults() {
        ObjectNode body = createBody();
        body.put("v", 2);
        body.put("public", true);
        body.put("disabled", true);
        ObjectNode out = ManifestValidator.validateCreate(body, OWNER);
        assertEquals(BooleanNode.TRUE, out.get("public"));
        assertEquals(BooleanNode.TRUE, out.get("disabled"));
    }

    @Test
    void callersBodyIsNotModified() {
        ObjectNode body = createBody();
        body.remove("owner");
        ObjectNode before = body.deepCopy();
        ManifestValidator.validateCreate(body, OWNER);
        assertEquals(before, body);
    }

    @Test
    void ownerDefaultsToTheAccount() {
        ObjectNode body = createBody();
        body.remove("owner");
        assertEquals(OWNER, ManifestValidator.validateCreate(body, OWNER).get("owner").asText());
    }

    @Test
    void ownerOtherThanTheAccountIsRefused() {
        ObjectNode body = createBody();
        body.put("owner", OTHER);
        assertOnlyFieldError(createFails(body), "owner", Code.Invalid);
    }

    @Test
    void withoutAnAccountTheGivenOwnerIsKept() {
        ObjectNode body = createBody();
        body.put("owner", OTHER);
        assertEquals(OTHER, ManifestValidator.validateCreate(body, null).get("owner").asText());
    }

    @Test
    void withoutAnAccountOwnerIsRequired() {
        ObjectNode body = createBody();
        body.remove("owner");
        ImgapiError e = fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateCreate(body, null));
        assertOnlyFieldError(e, "owner", Code.MissingParameter);
    }

    @ParameterizedTest
    @ValueSource(strings = {"11111111-1111-4111-8111-11111111111", "11111111-1111-4111-8111-11111111111G",
        "11111111-1111-4111-8111-111111111111 ", "ABCDEFAB-1111-4111-8111-111111111111", "not-a-uuid", ""})
    void ownerMustBeALowercaseUuid(String owner) {
        ObjectNode body = createBody();
        body.put("owner", owner);
        // A bad owner is one error, not also "missing" or "not the account".
        ImgapiError e = fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateCreate(body, null));
        assertOnlyFieldError(e, "owner", Code.Invalid);
        assertOnlyFieldError(createFails(body), "owner", Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"name", "version", "type", "os"})
    void requiredFieldMissing(String field) {
        ObjectNode body = createBody();
        body.remove(field);
        assertOnlyFieldError(createFails(body), field, Code.MissingParameter);
    }

    @Test
    void everyMissingFieldIsReportedAtOnce() {
        ImgapiError e = fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateCreate(Json.object(), null));
        assertEquals(Set.of("owner", "name", "version", "type", "os"), fields(e));
        e.errors().forEach(f -> assertEquals(Code.MissingParameter, f.code(), f::toString));
    }

    @ParameterizedTest
    @ValueSource(strings = {"uuid", "state", "files", "published_at", "icon", "error"})
    void fieldsAClientCannotSetOnCreateAreNotAllowed(String field) {
        ObjectNode body = createBody();
        body.set(field, switch (field) {
            case "uuid" -> TextNode.valueOf(UUID_A);
            case "state" -> TextNode.valueOf("active");
            case "files" -> json("[{'sha1':'0123456789abcdef0123456789abcdef01234567','size':1,'compression':'gzip'}]");
            case "published_at" -> TextNode.valueOf("2024-01-02T03:04:05Z");
            case "icon" -> BooleanNode.TRUE;
            default -> TextNode.valueOf("boom");
        });
        assertOnlyFieldError(createFails(body), field, Code.NotAllowed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo", "home_dc", "Name", "name ", "tags.x", "__proto__"})
    void unknownFieldIsNotAllowedAndNamed(String field) {
        ObjectNode body = createBody();
        body.put(field, "x");
        assertOnlyFieldError(createFails(body), field, Code.NotAllowed);
    }

    @Test
    void unknownFieldNameWithControlCharactersIsEchoedEscaped() {
        ObjectNode body = createBody();
        body.put("bad\nfield\0", "x");
        assertOnlyFieldError(createFails(body), "bad\\u000afield\\u0000", Code.NotAllowed);
    }

    @Test
    void hugeUnknownFieldNameIsEchoedTruncated() {
        ObjectNode body = createBody();
        body.put(repeat('x', 5000), "x");
        String field = createFails(body).errors().get(0).field();
        assertTrue(field.length() < 200 && field.endsWith("..."), field);
    }

    static Stream<JsonNode> badV() {
        return Stream.of(IntNode.valueOf(1), IntNode.valueOf(3), TextNode.valueOf("2"), node(2.0), BooleanNode.TRUE,
                NullNode.instance, json("4294967298"), json("18446744073709551618"));
    }

    @ParameterizedTest
    @MethodSource("badV")
    void vMustBeTheInteger2(JsonNode v) {
        assertCreateInvalid("v", v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"public", "disabled", "generate_passwords"})
    void booleanFieldsRefuseOtherTypes(String field) {
        assertCreateAccepts(field, BooleanNode.TRUE);
        assertCreateAccepts(field, BooleanNode.FALSE);
        for (JsonNode bad : new JsonNode[] {TextNode.valueOf("true"), IntNode.valueOf(1), NullNode.instance, json("[]")}) {
            assertCreateInvalid(field, bad);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zone-dataset", "lx-dataset", "lxd", "docker", "other"})
    void everyNonZvolTypeIsAccepted(String type) {
        assertCreateAccepts("type", TextNode.valueOf(type));
    }

    @ParameterizedTest
    @ValueSource(strings = {"smartos", "linux", "windows", "bsd", "illumos", "other"})
    void everyOsIsAccepted(String os) {
        assertCreateAccepts("os", TextNode.valueOf(os));
    }

    static Stream<Arguments> badEnums() {
        return Stream.of("type", "os").flatMap(f -> Stream.of(
                Arguments.of(f, TextNode.valueOf("ZONE-DATASET")), Arguments.of(f, TextNode.valueOf("SmartOS")),
                Arguments.of(f, TextNode.valueOf("")), Arguments.of(f, TextNode.valueOf("zone")),
                Arguments.of(f, TextNode.valueOf("linux ")), Arguments.of(f, IntNode.valueOf(1)),
                Arguments.of(f, NullNode.instance), Arguments.of(f, json("['linux']"))));
    }

    @ParameterizedTest
    @MethodSource("badEnums")
    void enumsAcceptOnlyTheirLowercaseWireNames(String field, JsonNode value) {
        assertCreateInvalid(field, value);
    }

    @Test
    void originMustBeALowercaseUuid() {
        assertCreateAccepts("origin", TextNode.valueOf(UUID_A));
        assertCreateInvalid("origin", TextNode.valueOf(UUID_A.toUpperCase()));
        assertCreateInvalid("origin", IntNode.valueOf(1));
    }

    @Test
    void descriptionLengthBoundary() {
        assertCreateAccepts("description", TextNode.valueOf(repeat('d', ManifestValidator.MAX_DESCRIPTION)));
        assertCreateInvalid("description", TextNode.valueOf(repeat('d', ManifestValidator.MAX_DESCRIPTION + 1)));
    }

    @Test
    void descriptionIsFreeTextButNotNulOrNonString() {
        assertCreateAccepts("description", TextNode.valueOf("naïve \"quoted\" 'text'\nwith 😀 and tabs\t"));
        assertCreateInvalid("description", TextNode.valueOf("nul\0inside"));
        assertCreateInvalid("description", IntNode.valueOf(1));
        assertCreateInvalid("description", json("{}"));
    }

    @Test
    void severalProblemsAreReportedTogetherEachNamingItsField() {
        ObjectNode body = createBody();
        body.put("name", "../etc");
        body.put("version", "1 0");
        body.put("type", "vm");
        body.put("state", "active");
        body.put("uuid", UUID_A);
        body.put("colour", "blue");
        body.remove("os");
        ImgapiError e = createFails(body);
        assertEquals(Set.of("name", "version", "type", "state", "uuid", "colour", "os"), fields(e));
        assertHasFieldError(e, "name", Code.Invalid);
        assertHasFieldError(e, "version", Code.Invalid);
        assertHasFieldError(e, "type", Code.Invalid);
        assertHasFieldError(e, "state", Code.NotAllowed);
        assertHasFieldError(e, "uuid", Code.NotAllowed);
        assertHasFieldError(e, "colour", Code.NotAllowed);
        assertHasFieldError(e, "os", Code.MissingParameter);
        assertEquals(422, e.httpStatus());
        for (String f : fields(e)) {
            assertTrue(e.message().contains(f), () -> "message should name " + f + ": " + e.message());
        }
    }

    static Stream<JsonNode> notObjects() {
        return Stream.of(json("[]"), json("'body'"), json("1"), NullNode.instance, json("[{'name':'x'}]"));
    }

    @ParameterizedTest
    @MethodSource("notObjects")
    void bodyThatIsNotAnObjectIsInvalidContent(JsonNode body) {
        ImgapiError e = fails(ErrorCode.INVALID_CONTENT, () -> ManifestValidator.validateCreate(body, OWNER));
        assertEquals(400, e.httpStatus());
        fails(ErrorCode.INVALID_CONTENT, () -> ManifestValidator.validateImport(body, UUID_A));
    }

    @Test
    void missingBodyIsInvalidContent() {
        fails(ErrorCode.INVALID_CONTENT, () -> ManifestValidator.validateCreate(null, OWNER));
    }

    static Set<String> fields(ImgapiError e) {
        return e.errors().stream().map(f -> f.field()).collect(Collectors.toSet());
    }
}
