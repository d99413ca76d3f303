package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OTHER;
import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.PUBLISHED;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.UUID_B;
import static io.imgfed.protocol.testing.Fixtures.assertHasFieldError;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static io.imgfed.protocol.testing.Fixtures.image;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.updateFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** UpdateImage: merge onto the current manifest, null removes, identity and lifecycle fields stay put. */
class ManifestValidatorUpdateTest {

    private static Manifest current() {
        return image(UUID_A)
                .set("description", "old")
                .set("homepage", "https://example.com")
                .acl(OTHER)
                .tags(Map.of("role", "db"))
                .set("requirements", json("{'min_ram':512}"))
                .set("billing_tags", List.of("gold"))
                .build();
    }

    private static Manifest zvol() {
        return image(UUID_B).set("type", "zvol").set("nic_driver", "virtio").set("disk_driver", "virtio")
                .set("cpu_type", "host").set("image_size", 10240).build();
    }

    @Test
    void changedFieldsAreMergedAndTheRestKept() {
        Manifest m = current();
        ObjectNode out = ManifestValidator.validateUpdate(json("{'description':'new','name':'renamed'}"), m);
        assertEquals("new", out.get("description").asText());
        assertEquals("renamed", out.get("name").asText());
        assertEquals(UUID_A, out.get("uuid").asText());
        assertEquals(OWNER, out.get("owner").asText());
        assertEquals(PUBLISHED, out.get("published_at").asText());
        assertEquals("https://example.com", out.get("homepage").asText());
        assertEquals(json("{'role':'db'}"), out.get("tags"));
    }

    @Test
    void emptyUpdateChangesNothing() {
        Manifest m = current();
        assertEquals(m.fieldsCopy(), ManifestValidator.validateUpdate(Json.object(), m));
    }

    @Test
    void updateDoesNotTouchTheCurrentManifest() {
        Manifest m = current();
        ObjectNode before = m.toStoredJson();
        ManifestValidator.validateUpdate(json("{'description':null,'name':'x'}"), m);
        assertEquals(before, m.toStoredJson());
    }

    @ParameterizedTest
    @ValueSource(strings = {"description", "homepage", "acl", "tags", "requirements", "billing_tags"})
    void nullRemovesAnOptionalField(String field) {
        ObjectNode body = Json.object();
        body.putNull(field);
        ObjectNode out = ManifestValidator.validateUpdate(body, current());
        assertFalse(out.has(field), () -> field + " should be removed: " + out);
        assertEquals("base-64", out.get("name").asText());
    }

    @Test
    void nullForAnAbsentOptionalFieldIsHarmless() {
        ObjectNode out = ManifestValidator.validateUpdate(json("{'eula':null,'traits':null}"), current());
        assertFalse(out.has("eula"));
        assertFalse(out.has("traits"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"name", "version", "type", "os", "public"})
    void requiredFieldCannotBeRemoved(String field) {
        ObjectNode body = Json.object();
        body.putNull(field);
        assertOnlyFieldError(updateFails(body, current()), field, Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"owner", "uuid", "state", "published_at", "disabled", "v", "icon", "origin", "files", "error"})
    void fieldsAnUpdateCannotChange(String field) {
        ObjectNode body = Json.object();
        body.set(field, switch (field) {
            case "owner" -> Json.object().textNode(OTHER);
            case "uuid", "origin" -> Json.object().textNode(UUID_B);
            case "state" -> Json.object().textNode("disabled");
            case "published_at" -> Json.object().textNode("2030-01-01T00:00:00.000Z");
            case "disabled", "icon" -> Json.object().booleanNode(true);
            case "v" -> Json.object().numberNode(2);
            case "files" -> json("[]");
            default -> Json.object().textNode("x");
        });
        assertOnlyFieldError(updateFails(body, current()), field, Code.NotAllowed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"owner", "uuid", "state", "published_at", "disabled"})
    void fieldsAnUpdateCannotChangeCannotBeRemovedEither(String field) {
        ObjectNode body = Json.object();
        body.putNull(field);
        assertOnlyFieldError(updateFails(body, current()), field, Code.NotAllowed);
    }

    @Test
    void unknownFieldIsNotAllowed() {
        assertOnlyFieldError(updateFails(json("{'colour':'blue'}"), current()), "colour", Code.NotAllowed);
        assertOnlyFieldError(updateFails(json("{'colour':null}"), current()), "colour", Code.NotAllowed);
    }

    @Test
    void fieldRulesApplyToUpdates() {
        assertOnlyFieldError(updateFails(json("{'name':'../x'}"), current()), "name", Code.Invalid);
        assertOnlyFieldError(updateFails(json("{'version':'1 0'}"), current()), "version", Code.Invalid);
        assertOnlyFieldError(updateFails(json("{'homepage':'ftp://x'}"), current()), "homepage", Code.Invalid);
        assertOnlyFieldError(updateFails(json("{'acl':['nope']}"), current()), "acl", Code.Invalid);
        assertOnlyFieldError(updateFails(json("{'public':'yes'}"), current()), "public", Code.Invalid);
        assertOnlyFieldError(updateFails(json("{'requirements':{'bootrom':'bios'}}"), current()),
                "requirements.bootrom", Code.Invalid);
    }

    @Test
    void aclIsDedupedOnUpdateToo() {
        ObjectNode out = ManifestValidator.validateUpdate(
                Json.object().set("acl", Json.array().add(UUID_B).add(UUID_B).add(OTHER)), current());
        assertEquals(Json.array().add(UUID_B).add(OTHER), out.get("acl"));
    }

    @Test
    void becomingAZvolRequiresTheZvolFields() {
        ImgapiError e = updateFails(json("{'type':'zvol'}"), current());
        assertEquals(4, e.errors().size(), e.errors()::toString);
        for (String f : List.of("nic_driver", "disk_driver", "cpu_type", "image_size")) {
            assertHasFieldError(e, f, Code.MissingParameter);
        }
        ObjectNode ok = ManifestValidator.validateUpdate(json(
                "{'type':'zvol','nic_driver':'e1000','disk_driver':'ide','cpu_type':'qemu64','image_size':4096}"), current());
        assertEquals("zvol", ok.get("type").asText());
    }

    @Test
    void zvolCannotDropARequiredZvolField() {
        assertOnlyFieldError(updateFails(json("{'nic_driver':null}"), zvol()), "nic_driver", Code.MissingParameter);
    }

    @Test
    void leavingZvolMeansRemovingTheZvolFields() {
        ImgapiError e = updateFails(json("{'type':'lx-dataset'}"), zvol());
        assertEquals(4, e.errors().size(), e.errors()::toString);
        e.errors().forEach(f -> assertEquals(Code.NotAllowed, f.code(), f::toString));
        ObjectNode out = ManifestValidator.validateUpdate(json(
                "{'type':'lx-dataset','nic_driver':null,'disk_driver':null,'cpu_type':null,'image_size':null}"), zvol());
        assertFalse(out.has("image_size"));
    }

    @Test
    void inheritedDirectoriesFollowTheMergedType() {
        Manifest zone = image(UUID_A).set("inherited_directories", List.of("/opt")).build();
        assertOnlyFieldError(updateFails(json("{'type':'docker'}"), zone), "inherited_directories", Code.NotAllowed);
    }

    @Test
    void severalProblemsAtOnce() {
        ImgapiError e = updateFails(json("{'owner':'" + OTHER + "','name':null,'os':'dos','state':'active','x':1}"),
                current());
        assertEquals(5, e.errors().size(), e.errors()::toString);
        assertHasFieldError(e, "owner", Code.NotAllowed);
        assertHasFieldError(e, "name", Code.Invalid);
        assertHasFieldError(e, "os", Code.Invalid);
        assertHasFieldError(e, "state", Code.NotAllowed);
        assertHasFieldError(e, "x", Code.NotAllowed);
    }

    @Test
    void nonObjectBodyIsInvalidContent() {
        for (JsonNode body : new JsonNode[] {json("[]"), json("null"), json("'x'"), null}) {
            fails(ErrorCode.INVALID_CONTENT, () -> ManifestValidator.validateUpdate(body, current()));
        }
    }
}
