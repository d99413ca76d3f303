package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.HOME;
import static io.imgfed.protocol.testing.Fixtures.MD5;
import static io.imgfed.protocol.testing.Fixtures.OTHER;
import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.PUBLISHED;
import static io.imgfed.protocol.testing.Fixtures.SHA1;
import static io.imgfed.protocol.testing.Fixtures.SHA256;
import static io.imgfed.protocol.testing.Fixtures.THIRD;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.UUID_B;
import static io.imgfed.protocol.testing.Fixtures.UUID_C;
import static io.imgfed.protocol.testing.Fixtures.createBody;
import static io.imgfed.protocol.testing.Fixtures.file;
import static io.imgfed.protocol.testing.Fixtures.image;
import static io.imgfed.protocol.testing.Fixtures.importBody;
import static io.imgfed.protocol.testing.Fixtures.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The stored and public forms of an image, its lifecycle transitions and its immutability. */
class ManifestTest {

    private static final String NOW = "2026-05-06T07:08:09.123Z";

    private static Manifest rich() {
        return image(UUID_A)
                .set("description", "base image")
                .acl(OTHER, THIRD)
                .tags(Map.of("role", "db", "n", 3, "on", true))
                .set("billing_tags", List.of("gold", "ssd"))
                .set("requirements", json("{'min_ram':512,'networks':[{'name':'net0','description':'public'}]}"))
                .file(file())
                .homeDc("eu-central-1")
                .build();
    }

    // ---- stored form ----

    @Test
    void storedJsonRoundTripsEverything() {
        Manifest m = rich();
        Manifest back = Manifest.fromStoredJson(m.toStoredJson());
        assertEquals(m, back);
        assertEquals(m.hashCode(), back.hashCode());
        assertEquals(file(), back.file());
        assertEquals(MD5, back.file().md5());
        assertEquals(SHA256, back.file().sha256());
        assertEquals(UUID_C, back.file().datasetGuid());
        assertTrue(back.activated());
        assertEquals("eu-central-1", back.homeDc());
        assertEquals(m.toJson(), back.toJson());
    }

    @Test
    void storedJsonRoundTripsThroughBytes() {
        Manifest m = rich();
        assertEquals(m, Manifest.fromStoredJson(Json.tree(Json.bytes(m.toStoredJson()))));
    }

    @Test
    void storedJsonRoundTripsAnUnactivatedImageWithoutFile() {
        Manifest m = image(UUID_A).unactivated().build();
        Manifest back = Manifest.fromStoredJson(Json.tree(Json.bytes(m.toStoredJson())));
        assertEquals(m, back);
        assertNull(back.file());
        assertFalse(back.activated());
        assertNull(back.publishedAt());
        assertEquals(ImageState.UNACTIVATED, back.state());
    }

    @Test
    void storedJsonKeepsAFileWithoutOptionalDigests() {
        ImageFile bare = new ImageFile(SHA1, 10, Compression.NONE, null, null, null);
        Manifest back = Manifest.fromStoredJson(image(UUID_A).file(bare).build().toStoredJson());
        assertEquals(bare, back.file());
    }

    @Test
    void storedFormsThatDifferAreNotEqual() {
        Manifest m = rich();
        assertNotEquals(m, m.withDisabled(true));
        assertNotEquals(m, m.withFile(new ImageFile(SHA1, 4096, Compression.GZIP, null, MD5, SHA256)));
        ObjectNode s = m.toStoredJson();
        s.put("home_dc", "elsewhere");
        assertNotEquals(m, Manifest.fromStoredJson(s));
        s = m.toStoredJson();
        s.put("activated", false);
        assertNotEquals(m, Manifest.fromStoredJson(s));
    }

    @Test
    void fromStoredJsonRefusesIncompleteInput() {
        ObjectNode s = rich().toStoredJson();
        s.remove("home_dc");
        assertThrows(IllegalArgumentException.class, () -> Manifest.fromStoredJson(s));
        ObjectNode noFields = rich().toStoredJson();
        noFields.remove("fields");
        assertThrows(IllegalArgumentException.class, () -> Manifest.fromStoredJson(noFields));
        ObjectNode badCompression = rich().toStoredJson();
        ((ObjectNode) badCompression.get("file")).put("compression", "zip");
        assertThrows(IllegalArgumentException.class, () -> Manifest.fromStoredJson(badCompression));
        ObjectNode fieldsNotObject = rich().toStoredJson();
        fieldsNotObject.put("fields", "x");
        assertThrows(IllegalArgumentException.class, () -> Manifest.fromStoredJson(fieldsNotObject));
    }

    @Test
    void fieldsOfUnusualJsonTypesRoundTripAsTheyCame() {
        // A signed record of another DC is not validated again here: whatever it says must come back unchanged.
        ObjectNode stored = rich().toStoredJson();
        ObjectNode fields = (ObjectNode) stored.get("fields");
        fields.put("name", 123);
        fields.put("public", "true");
        fields.put("v", "2");
        fields.put("os", "plan9");
        fields.set("tags", json("['not','an','object']"));
        fields.putNull("origin");
        fields.put("disabled", 1);
        Manifest m = Manifest.fromStoredJson(Json.tree(Json.bytes(stored)));
        assertEquals(stored, m.toStoredJson());
        assertEquals("123", m.name());
        assertTrue(m.isPublic(), "the text \"true\" reads as true (Jackson's asBoolean), and stays text");
        assertNull(m.os());
        assertNull(m.tagValue("role"));
        assertNull(m.origin());
        assertEquals(m, Manifest.fromStoredJson(m.toStoredJson()));
    }

    @Test
    void publicJsonIsKeptForTheRecentlyAskedOnlyAndRebuiltTheSame() {
        Manifest m = rich();
        byte[] first = m.toJsonBytes();
        for (int i = 0; i < PublicJsonCache.SLOTS; i++) {
            image(java.util.UUID.randomUUID().toString()).build().toJsonBytes();
        }
        assertArrayEquals(first, m.toJsonBytes(), "dropped from the cache and built again, byte for byte");
        assertEquals(first.length, m.jsonLength());
    }

    @Test
    void theFileIsKeptAsItCameIncludingAnMd5SpelledUnusually() {
        // Base64 of 16 bytes has two spare bits in its last letter; a non-zero one decodes all the same.
        String odd = MD5.substring(0, 21) + (char) (MD5.charAt(21) + 1) + "==";
        ImageFile f = new ImageFile(SHA1, 10, Compression.NONE, null, odd, SHA256);
        assertEquals(f, image(UUID_A).file(f).build().file());
        assertEquals(f, Manifest.fromStoredJson(image(UUID_A).file(f).build().toStoredJson()).file());
    }

    // ---- public view ----

    @Test
    void publicViewHasComputedStateFilesWithoutInternalDigestsAndHomeDc() {
        ObjectNode j = rich().toJson();
        assertEquals("active", j.get("state").asText());
        assertEquals("eu-central-1", j.get("home_dc").asText());
        ArrayNode files = (ArrayNode) j.get("files");
        assertEquals(1, files.size());
        JsonNode f = files.get(0);
        assertEquals(SHA1, f.get("sha1").asText());
        assertEquals(4096, f.get("size").asLong());
        assertEquals("gzip", f.get("compression").asText());
        assertTrue(f.has("dataset_guid"));
        assertFalse(f.has("md5"), "md5 is internal");
        assertFalse(f.has("sha256"), "sha256 is internal");
        assertEquals(Set.of("sha1", "size", "compression", "dataset_guid"), names(f));
        assertEquals(json("{'role':'db','n':3,'on':true}"), j.get("tags"));
        assertEquals(PUBLISHED, j.get("published_at").asText());
    }

    @Test
    void publicViewFollowsImgapiFieldOrderWithHomeDcLast() {
        List<String> keys = new ArrayList<>(names(rich().toJson()));
        assertEquals(List.of("v", "uuid", "owner", "name", "version", "description", "state", "disabled", "public",
                "published_at", "type", "os", "files", "acl", "requirements", "billing_tags", "tags", "home_dc"), keys);
    }

    @Test
    void publicViewOfAnImageWithoutFileHasAnEmptyFilesArray() {
        ObjectNode j = image(UUID_A).unactivated().build().toJson();
        assertEquals(Json.array(), j.get("files"));
        assertEquals("unactivated", j.get("state").asText());
        assertFalse(j.has("published_at"));
    }

    @Test
    void computedAndInternalKeysInTheInputAreDropped() {
        ObjectNode fields = ManifestValidator.validateImport(importBody(UUID_A), UUID_A);
        fields.put("state", "active");
        fields.set("files", json("[{'sha1':'x'}]"));
        fields.put("home_dc", "forged");
        Manifest m = Manifest.of(fields, null, false, HOME);
        ObjectNode j = m.toJson();
        assertEquals("unactivated", j.get("state").asText());
        assertEquals(Json.array(), j.get("files"));
        assertEquals(HOME, j.get("home_dc").asText());
        assertFalse(m.fieldsCopy().has("state"));
        assertFalse(m.fieldsCopy().has("files"));
        assertFalse(m.fieldsCopy().has("home_dc"));
    }

    @Test
    void stateIsComputed() {
        assertEquals(ImageState.UNACTIVATED, image(UUID_A).unactivated().build().state());
        assertEquals(ImageState.UNACTIVATED, image(UUID_A).unactivated().disabled().build().state());
        assertEquals(ImageState.ACTIVE, image(UUID_A).build().state());
        assertEquals(ImageState.DISABLED, image(UUID_A).disabled().build().state());
        assertEquals(ImageState.ACTIVE, image(UUID_A).disabled().build().withDisabled(false).state());
        assertEquals("disabled", image(UUID_A).build().withDisabled(true).toJson().get("state").asText());
    }

    @Test
    void toJsonBytesIsTheSerialisedPublicView() {
        Manifest m = rich();
        // Compared as parsed text: a long written by put() and an int read back are different node types.
        assertEquals(Json.tree(Json.bytes(m.toJson())), Json.tree(m.toJsonBytes()));
        assertEquals("active", Json.tree(m.toJsonBytes()).get("state").asText());
    }

    // ---- typed accessors ----

    @Test
    void accessorsReadTheFields() {
        Manifest m = rich();
        assertEquals(UUID_A, m.uuid());
        assertEquals(OWNER, m.owner());
        assertEquals("base-64", m.name());
        assertEquals("24.1.0", m.version());
        assertEquals(ImageType.ZONE_DATASET, m.type());
        assertEquals(ImageOs.SMARTOS, m.os());
        assertEquals(Set.of(OTHER, THIRD), m.acl());
        assertEquals(List.of("gold", "ssd"), m.billingTags());
        assertFalse(m.isPublic());
        assertNull(m.origin());
    }

    @Test
    void tagValuesReadAsText() {
        Manifest m = rich();
        assertEquals("db", m.tagValue("role"));
        assertEquals("3", m.tagValue("n"));
        assertEquals("true", m.tagValue("on"));
        assertNull(m.tagValue("absent"));
        assertNull(image(UUID_A).build().tagValue("role"), "no tags at all");
    }

    /** As IMGAPI indexes them for tag.KEY=VALUE: a value that is not a string, number or boolean reads as "". */
    @Test
    void complexAndNullTagValuesReadAsEmpty() {
        Manifest m = image(UUID_A).set("tags", json("{'o':{'a':1},'l':[1],'z':null}")).build();
        assertEquals("", m.tagValue("o"));
        assertEquals("", m.tagValue("l"));
        assertEquals("", m.tagValue("z"));
    }

    // ---- lifecycle ----

    @Test
    void activateStampsPublishedAtOnANewImage() {
        Manifest created = image(UUID_A).unactivated().build();
        Manifest active = created.activate(NOW);
        assertTrue(active.activated());
        assertEquals(NOW, active.publishedAt());
        assertEquals(NOW, active.toJson().get("published_at").asText());
        assertEquals(ImageState.ACTIVE, active.state());
        assertFalse(created.activated(), "the original is unchanged");
        assertNull(created.publishedAt());
    }

    @Test
    void activateKeepsAnImportedPublishedAt() {
        Manifest imported = image(UUID_A).publishedAt(PUBLISHED).build();
        Manifest unactivatedImport = Manifest.of(imported.fieldsCopy(), null, false, HOME);
        Manifest active = unactivatedImport.activate(NOW);
        assertEquals(PUBLISHED, active.publishedAt());
        assertTrue(active.activated());
    }

    @Test
    void withAclReplacesOrRemovesTheAcl() {
        Manifest m = rich();
        Manifest changed = m.withAcl(Set.of(UUID_B));
        assertEquals(Set.of(UUID_B), changed.acl());
        assertEquals(Json.array().add(UUID_B), changed.toJson().get("acl"));
        Manifest none = m.withAcl(Set.of());
        assertTrue(none.acl().isEmpty());
        assertFalse(none.toJson().has("acl"));
        assertEquals(Set.of(OTHER, THIRD), m.acl(), "the original is unchanged");
    }

    @Test
    void withFieldsKeepsIdentityAndLifecycle() {
        Manifest m = rich();
        ObjectNode update = m.fieldsCopy();
        update.put("uuid", UUID_B);
        update.put("owner", OTHER);
        update.put("name", "renamed");
        update.put("state", "disabled");
        Manifest changed = m.withFields(update);
        assertEquals(UUID_A, changed.uuid());
        assertEquals(OWNER, changed.owner());
        assertEquals("renamed", changed.name());
        assertEquals(ImageState.ACTIVE, changed.state());
        assertEquals(m.file(), changed.file());
        assertEquals(m.homeDc(), changed.homeDc());
    }

    @Test
    void withFileAttachesTheFile() {
        Manifest m = image(UUID_A).unactivated().build();
        Manifest withFile = m.withFile(file());
        assertSame(null, m.file());
        assertEquals(file(), withFile.file());
        assertEquals(1, withFile.toJson().get("files").size());
    }

    @Test
    void ofRequiresUuidOwnerAndHomeDc() {
        ObjectNode noUuid = ManifestValidator.validateCreate(createBody(), OWNER);
        assertThrows(NullPointerException.class, () -> Manifest.of(noUuid, null, false, HOME));
        ObjectNode ok = image(UUID_A).build().fieldsCopy();
        assertThrows(NullPointerException.class, () -> Manifest.of(ok, null, false, null));
        ok.remove("owner");
        assertThrows(NullPointerException.class, () -> Manifest.of(ok, null, false, HOME));
    }

    // ---- immutability ----

    @Test
    void changingTheNodeGivenToOfDoesNotChangeTheManifest() {
        ObjectNode fields = rich().fieldsCopy();
        Manifest m = Manifest.of(fields, file(), true, HOME);
        ObjectNode before = m.toJson();
        fields.put("name", "mutated");
        ((ObjectNode) fields.get("tags")).put("role", "mutated");
        ((ArrayNode) fields.get("acl")).add(UUID_B);
        fields.remove("owner");
        assertEquals(before, m.toJson());
        assertEquals("base-64", m.name());
        assertEquals("db", m.tagValue("role"));
    }

    @Test
    void changingTheJsonViewsDoesNotChangeTheManifest() {
        Manifest m = rich();
        ObjectNode before = m.toStoredJson();
        byte[] beforeBytes = m.toJsonBytes();

        ObjectNode view = m.toJson();
        view.put("name", "mutated");
        ((ObjectNode) view.get("tags")).put("role", "mutated");
        ((ArrayNode) view.get("acl")).removeAll();
        ((ObjectNode) view.get("requirements").get("networks").get(0)).put("name", "mutated");

        ObjectNode copy = m.fieldsCopy();
        copy.put("version", "mutated");
        ((ObjectNode) copy.get("tags")).removeAll();

        ObjectNode stored = m.toStoredJson();
        ((ObjectNode) stored.get("fields")).put("name", "mutated");

        byte[] bytes = m.toJsonBytes();
        bytes[0] = 'X';

        assertEquals(before, m.toStoredJson());
        assertArrayEquals(beforeBytes, m.toJsonBytes());
        assertEquals("db", m.tagValue("role"));
    }

    @Test
    void collectionsAreReadOnly() {
        Manifest m = rich();
        assertThrows(UnsupportedOperationException.class, () -> m.acl().add(UUID_B));
        assertThrows(UnsupportedOperationException.class, () -> m.billingTags().add("x"));
    }

    @Test
    void toStringNamesTheImage() {
        String s = rich().toString();
        assertTrue(s.contains(UUID_A) && s.contains("base-64") && s.contains("active"), s);
    }

    private static Set<String> names(JsonNode n) {
        Set<String> out = new java.util.LinkedHashSet<>();
        Iterator<String> it = n.fieldNames();
        it.forEachRemaining(out::add);
        return out;
    }
}
