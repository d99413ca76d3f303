package io.imgfed.replicator.api;

import static io.imgfed.replicator.testkit.ApiAsserts.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.replicator.testkit.ApiAsserts;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every client endpoint of SPEC §3 against one daemon: answers, headers, state changes and visibility. */
class ImageEndpointsTest {
    private static final Pattern UUID_RE = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    private static final Pattern PUBLISHED_AT = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$");
    private static final String OWNER = ImgapiClient.OWNER;
    private static final String OTHER = "abcdef11-2222-4333-8444-55555555555a";
    private static final String STRANGER = "99999999-8888-4777-8666-555555555555";

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    private static final Random RANDOM = new Random(7);

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir);
        api = daemon.client();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    private static byte[] randomFile(int size) {
        byte[] b = new byte[size];
        RANDOM.nextBytes(b);
        return b;
    }

    // ---- ping, create, get ----

    @Test
    void pingAnswersPong() {
        Response r = api.get("/ping");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        assertEquals("pong", r.json().path("ping").asText());
    }

    @Test
    void everyAnswerNamesItsRequestId() {
        Pattern v4 = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String id = api.get("/ping").header("X-Request-Id");
            assertTrue(id != null && v4.matcher(id).matches(), "generated request id " + id);
            assertTrue(seen.add(id), "request id " + id + " given twice");
        }
        assertEquals("portal-7:abc.def_1", api.get("/ping", Map.of("X-Request-Id", "portal-7:abc.def_1"))
                .header("X-Request-Id"), "a client's own id is kept");
        for (String bad : List.of("has space", "x".repeat(65), "semi;colon")) {
            String id = api.get("/ping", Map.of("X-Request-Id", bad)).header("X-Request-Id");
            assertTrue(v4.matcher(id).matches(), "id " + bad + " replaced by a generated one, got " + id);
        }
    }

    @Test
    void createImageIsUnactivatedWithServerAssignedUuid() {
        ObjectNode m = ImgapiClient.manifest("created", "1.2.3");
        m.put("description", "a test image");
        Response r = api.post("/images", m);
        assertEquals(200, r.status(), r.toString());
        JsonNode img = r.json();
        assertTrue(UUID_RE.matcher(img.path("uuid").asText()).matches(), img.toString());
        assertEquals("unactivated", img.path("state").asText());
        assertEquals(OWNER, img.path("owner").asText());
        assertEquals("created", img.path("name").asText());
        assertEquals("1.2.3", img.path("version").asText());
        assertEquals("a test image", img.path("description").asText());
        assertEquals(2, img.path("v").asInt());
        assertFalse(img.path("disabled").asBoolean(true));
        assertFalse(img.path("public").asBoolean(true));
        assertTrue(img.path("files").isArray() && img.path("files").isEmpty(), img.toString());
        assertTrue(img.path("published_at").isMissingNode(), img.toString());

        Response got = api.get("/images/" + img.path("uuid").asText());
        assertEquals(200, got.status());
        assertEquals(img, got.json());
    }

    @Test
    void createOwnerDefaultsToAccount() {
        ObjectNode m = ImgapiClient.manifest("owned-by-account", "1.0.0");
        m.remove("owner");
        Response r = api.post("/images?account=" + OTHER, m);
        assertEquals(200, r.status(), r.toString());
        assertEquals(OTHER, r.json().path("owner").asText());
    }

    @Test
    void createWithOwnerOtherThanAccountIsRefused() {
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        ObjectNode m = ImgapiClient.manifest("wrong-owner", "1.0.0");
        assertError(api.post("/images?account=" + OTHER, m), 422, "ValidationFailed", "owner");
        before.assertUnchanged(daemon.daemon());
    }

    @Test
    void createWithoutOwnerOrAccountNamesOwner() {
        ObjectNode m = ImgapiClient.manifest("no-owner", "1.0.0");
        m.remove("owner");
        JsonNode err = assertError(api.post("/images", m), 422, "ValidationFailed", "owner");
        assertEquals("MissingParameter", ApiAsserts.fieldCode(err, "owner"));
    }

    @Test
    void getUnknownImageIs404() {
        assertError(api.get("/images/" + UUID.randomUUID()), 404, "ResourceNotFound");
        assertError(api.get("/images/" + UUID.randomUUID() + "/file"), 404, "ResourceNotFound");
    }

    // ---- add file, activate ----

    @Test
    void addFileRecordsItAndActivateStampsPublishedAt() {
        byte[] file = randomFile(100_000);
        String uuid = api.create(ImgapiClient.manifest("activate-me", "1.0.0"));
        Response up = api.put("/images/" + uuid + "/file?compression=gzip&sha1=" + ImgapiClient.sha1(file), file);
        assertEquals(200, up.status(), up.toString());
        JsonNode f = up.json().path("files").path(0);
        assertEquals(ImgapiClient.sha1(file), f.path("sha1").asText());
        assertEquals(file.length, f.path("size").asLong());
        assertEquals("gzip", f.path("compression").asText());
        assertEquals("unactivated", up.json().path("state").asText());
        assertTrue(daemon.daemon().store().contains(ImgapiClient.sha1(file)));

        Response act = api.post("/images/" + uuid + "?action=activate", "{}");
        assertEquals(200, act.status(), act.toString());
        assertEquals("active", act.json().path("state").asText());
        String published = act.json().path("published_at").asText();
        assertTrue(PUBLISHED_AT.matcher(published).matches(), published);

        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.post("/images/" + uuid + "?action=activate", "{}"), 422, "ImageAlreadyActivated");
        before.assertUnchanged(daemon.daemon());
        assertEquals(published, api.get("/images/" + uuid).json().path("published_at").asText());
    }

    @Test
    void addFileWithoutSha1IsAcceptedAndDigested() {
        byte[] file = randomFile(5000);
        String uuid = api.create(ImgapiClient.manifest("no-sha1", "1.0.0"));
        Response up = api.put("/images/" + uuid + "/file?compression=none", file);
        assertEquals(200, up.status(), up.toString());
        assertEquals(ImgapiClient.sha1(file), up.json().path("files").path(0).path("sha1").asText());
    }

    @Test
    void activateWithoutFileIsRefused() {
        String uuid = api.create(ImgapiClient.manifest("no-file", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.post("/images/" + uuid + "?action=activate", "{}"), 422, "NoActivationNoFile");
        before.assertUnchanged(daemon.daemon());
        assertEquals("unactivated", api.get("/images/" + uuid).json().path("state").asText());
    }

    // ---- update, disable, enable ----

    @Test
    void updateChangesFieldsAndKeepsIdentity() {
        String uuid = api.activeImage("to-update", randomFile(1000));
        JsonNode before = api.get("/images/" + uuid).json();
        Response r = api.post("/images/" + uuid + "?action=update",
                "{\"description\":\"now described\",\"version\":\"1.0.1\",\"tags\":{\"role\":\"db\"}}");
        assertEquals(200, r.status(), r.toString());
        JsonNode after = r.json();
        assertEquals("now described", after.path("description").asText());
        assertEquals("1.0.1", after.path("version").asText());
        assertEquals("db", after.path("tags").path("role").asText());
        assertEquals(before.path("uuid"), after.path("uuid"));
        assertEquals(before.path("owner"), after.path("owner"));
        assertEquals(before.path("published_at"), after.path("published_at"));
        assertEquals(before.path("files"), after.path("files"));
        assertEquals("active", after.path("state").asText());
        assertEquals(after, api.get("/images/" + uuid).json());

        // A field set to null is removed.
        Response cleared = api.post("/images/" + uuid + "?action=update", "{\"description\":null}");
        assertEquals(200, cleared.status(), cleared.toString());
        assertTrue(cleared.json().path("description").isMissingNode(), cleared.toString());
    }

    @Test
    void updateOfIdentityOrComputedFieldsIsRefused() {
        String uuid = api.create(ImgapiClient.manifest("update-refused", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        for (String body : List.of("{\"owner\":\"" + OTHER + "\"}", "{\"uuid\":\"" + UUID.randomUUID() + "\"}",
                "{\"state\":\"active\"}", "{\"published_at\":\"2020-01-01T00:00:00Z\"}", "{\"disabled\":true}")) {
            String field = body.substring(2, body.indexOf('"', 2));
            JsonNode err = assertError(api.post("/images/" + uuid + "?action=update", body), 422, "ValidationFailed", field);
            assertEquals("NotAllowed", ApiAsserts.fieldCode(err, field), body);
        }
        JsonNode err = assertError(api.post("/images/" + uuid + "?action=update", "{\"name\":null}"), 422,
                "ValidationFailed", "name");
        assertEquals("Invalid", ApiAsserts.fieldCode(err, "name"));
        before.assertUnchanged(daemon.daemon());
    }

    @Test
    void disableAndEnable() {
        String uuid = api.activeImage("toggle", randomFile(1000));
        Response d = api.post("/images/" + uuid + "?action=disable", "{}");
        assertEquals(200, d.status(), d.toString());
        assertEquals("disabled", d.json().path("state").asText());
        assertTrue(d.json().path("disabled").asBoolean());
        assertFalse(listUuids("/images").contains(uuid), "a disabled image is not in the default (active) list");
        assertTrue(listUuids("/images?state=disabled").contains(uuid));

        Response again = api.post("/images/" + uuid + "?action=disable", "{}");
        assertEquals(200, again.status(), "disabling twice is harmless");

        Response e = api.post("/images/" + uuid + "?action=enable", "{}");
        assertEquals(200, e.status(), e.toString());
        assertEquals("active", e.json().path("state").asText());
        assertFalse(e.json().path("disabled").asBoolean(true));
        assertTrue(listUuids("/images").contains(uuid));
    }

    @Test
    void disabledUnactivatedImageStaysUnactivated() {
        String uuid = api.create(ImgapiClient.manifest("disable-unactivated", "1.0.0"));
        Response d = api.post("/images/" + uuid + "?action=disable", "{}");
        assertEquals(200, d.status(), d.toString());
        assertEquals("unactivated", d.json().path("state").asText());
        assertTrue(d.json().path("disabled").asBoolean());
    }

    // ---- acl ----

    @Test
    void aclAddAndRemoveChangeWhoSeesThePrivateImage() {
        String uuid = api.activeImage("acl", randomFile(2000));
        assertError(api.get("/images/" + uuid + "?account=" + OTHER), 404, "ResourceNotFound");

        Response add = api.post("/images/" + uuid + "/acl?action=add", "[\"" + OTHER + "\", \"" + STRANGER + "\"]");
        assertEquals(200, add.status(), add.toString());
        Set<String> acl = new HashSet<>();
        add.json().path("acl").forEach(n -> acl.add(n.asText()));
        assertEquals(Set.of(OTHER, STRANGER), acl);
        assertEquals(200, api.get("/images/" + uuid + "?account=" + OTHER).status());
        assertTrue(listUuids("/images?account=" + OTHER).contains(uuid));
        assertEquals(200, api.get("/images/" + uuid + "/file?account=" + OTHER).status());

        Response again = api.post("/images/" + uuid + "/acl?action=add", "[\"" + OTHER + "\"]");
        assertEquals(2, again.json().path("acl").size(), "adding an account twice lists it once");

        Response rm = api.post("/images/" + uuid + "/acl?action=remove", "[\"" + OTHER + "\"]");
        assertEquals(200, rm.status(), rm.toString());
        assertEquals(List.of(STRANGER), strings(rm.json().path("acl")));
        assertError(api.get("/images/" + uuid + "?account=" + OTHER), 404, "ResourceNotFound");
        assertFalse(listUuids("/images?account=" + OTHER).contains(uuid));

        Response last = api.post("/images/" + uuid + "/acl?action=remove", "[\"" + STRANGER + "\"]");
        assertEquals(200, last.status(), last.toString());
        assertTrue(last.json().path("acl").isMissingNode() || last.json().path("acl").isEmpty(), last.toString());
    }

    @Test
    void aclBodyMustBeAnArrayOfUuids() {
        String uuid = api.create(ImgapiClient.manifest("acl-bad", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.post("/images/" + uuid + "/acl?action=add", "{\"acl\":[\"" + OTHER + "\"]}"), 422,
                "ValidationFailed", "acl");
        assertError(api.post("/images/" + uuid + "/acl?action=add", "[\"NOT-A-UUID\"]"), 422, "ValidationFailed", "acl");
        assertError(api.post("/images/" + uuid + "/acl?action=add", "[\"" + OTHER.toUpperCase() + "\"]"), 422,
                "ValidationFailed", "acl");
        assertError(api.post("/images/" + uuid + "/acl?action=add", "[]"), 422, "ValidationFailed", "acl");
        assertError(api.post("/images/" + uuid + "/acl?action=frob", "[\"" + OTHER + "\"]"), 422, "InvalidParameter",
                "action");
        assertError(api.post("/images/" + uuid + "/acl", "[\"" + OTHER + "\"]"), 422, "InvalidParameter", "action");
        before.assertUnchanged(daemon.daemon());
    }

    // ---- delete ----

    @Test
    void deleteAnswers204AndRemovesTheBlob() {
        byte[] file = randomFile(50_000);
        String uuid = api.activeImage("delete-me", file);
        long used = daemon.daemon().store().usedBytes();
        Response r = api.delete("/images/" + uuid);
        assertEquals(204, r.status(), r.toString());
        assertEquals(0, r.body().length);
        assertError(api.get("/images/" + uuid), 404, "ResourceNotFound");
        assertFalse(daemon.daemon().store().contains(ImgapiClient.sha1(file)));
        assertEquals(used - file.length, daemon.daemon().store().usedBytes());
        Await.until("the blob file to be deleted", Duration.ofSeconds(10),
                () -> !ApiAsserts.blobFiles(dir).contains(ImgapiClient.sha1(file)));
        assertError(api.delete("/images/" + uuid), 404, "ResourceNotFound");
    }

    @Test
    void deleteKeepsABlobAnotherImageStillUses() {
        byte[] file = randomFile(20_000);
        String a = api.activeImage("shared-a", file);
        String b = api.activeImage("shared-b", file);
        assertEquals(204, api.delete("/images/" + a).status());
        assertTrue(daemon.daemon().store().contains(ImgapiClient.sha1(file)), "image b still needs the file");
        Response got = api.get("/images/" + b + "/file");
        assertEquals(200, got.status());
        assertArrayEquals(file, got.body());
        assertEquals(204, api.delete("/images/" + b).status());
        assertFalse(daemon.daemon().store().contains(ImgapiClient.sha1(file)));
    }

    @Test
    void deleteOfAnOriginIsRefused() {
        String origin = api.activeImage("origin", randomFile(3000));
        ObjectNode child = ImgapiClient.manifest("child", "1.0.0");
        child.put("origin", origin);
        String childUuid = api.create(child);
        assertEquals(origin, api.get("/images/" + childUuid).json().path("origin").asText());

        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.delete("/images/" + origin), 422, "ImageHasDependentImages");
        before.assertUnchanged(daemon.daemon());

        assertEquals(204, api.delete("/images/" + childUuid).status());
        assertEquals(204, api.delete("/images/" + origin).status());
    }

    @Test
    void originMustExistAndBeActive() {
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        ObjectNode m = ImgapiClient.manifest("orphan", "1.0.0");
        m.put("origin", UUID.randomUUID().toString());
        assertError(api.post("/images", m), 422, "OriginDoesNotExist", "origin");
        before.assertUnchanged(daemon.daemon());

        String unactivated = api.create(ImgapiClient.manifest("inactive-origin", "1.0.0"));
        ApiAsserts.Snapshot before2 = ApiAsserts.Snapshot.of(daemon.daemon());
        m.put("origin", unactivated);
        assertError(api.post("/images", m), 422, "OriginIsNotActive", "origin");
        before2.assertUnchanged(daemon.daemon());
    }

    // ---- import ----

    @Test
    void importKeepsUuidAndPublishedAt() {
        String uuid = UUID.randomUUID().toString();
        ObjectNode m = ImgapiClient.manifest("imported", "3.0.0");
        m.put("uuid", uuid);
        m.put("published_at", "2019-05-06T07:08:09.123Z");
        Response r = api.post("/images/" + uuid + "?action=import", m);
        assertEquals(200, r.status(), r.toString());
        assertEquals(uuid, r.json().path("uuid").asText());
        assertEquals("2019-05-06T07:08:09.123Z", r.json().path("published_at").asText());
        assertEquals("unactivated", r.json().path("state").asText());

        byte[] file = randomFile(4000);
        assertEquals(200, api.upload(uuid, file).status());
        Response act = api.post("/images/" + uuid + "?action=activate", "{}");
        assertEquals(200, act.status(), act.toString());
        assertEquals("active", act.json().path("state").asText());
        assertEquals("2019-05-06T07:08:09.123Z", act.json().path("published_at").asText(), "activation keeps published_at");

        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.post("/images/" + uuid + "?action=import", m), 409, "ImageUuidAlreadyExists");
        before.assertUnchanged(daemon.daemon());
    }

    /**
     * A manifest as an IMGAPI's GetImage serves it, with its computed state and its files, imports as into
     * IMGAPI: both are ignored; the image is unactivated, without a file, until AddImageFile and activate.
     */
    @Test
    void importOfAnImgapiManifestIgnoresItsStateAndFiles() {
        String uuid = UUID.randomUUID().toString();
        ObjectNode m = ImgapiClient.manifest("from-imgapi", "1.0.0");
        m.put("uuid", uuid);
        m.put("v", 2);
        m.put("state", "active");
        m.put("published_at", "2019-05-06T07:08:09.123Z");
        m.putArray("files").addObject().put("sha1", "0123456789abcdef0123456789abcdef01234567").put("size", 4096)
                .put("compression", "gzip");
        Response r = api.post("/images/" + uuid + "?action=import", m);
        assertEquals(200, r.status(), r.toString());
        assertEquals("unactivated", r.json().path("state").asText());
        assertTrue(r.json().path("files").isArray() && r.json().path("files").isEmpty(), r.toString());
        assertEquals(200, api.upload(uuid, randomFile(4000)).status());
        assertEquals("active", api.post("/images/" + uuid + "?action=activate", "{}").json().path("state").asText());
    }

    @Test
    void importOfACreatedImagesUuidConflicts() {
        String uuid = api.create(ImgapiClient.manifest("created-then-imported", "1.0.0"));
        ObjectNode m = ImgapiClient.manifest("imported-over", "1.0.0");
        m.put("uuid", uuid);
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.post("/images/" + uuid + "?action=import", m), 409, "ImageUuidAlreadyExists");
        before.assertUnchanged(daemon.daemon());
    }

    @Test
    void importUuidMustMatchThePath() {
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        String path = UUID.randomUUID().toString();
        ObjectNode m = ImgapiClient.manifest("mismatch", "1.0.0");
        m.put("uuid", UUID.randomUUID().toString());
        assertError(api.post("/images/" + path + "?action=import", m), 422, "ValidationFailed", "uuid");
        m.remove("uuid");
        JsonNode err = assertError(api.post("/images/" + path + "?action=import", m), 422, "ValidationFailed", "uuid");
        assertEquals("MissingParameter", ApiAsserts.fieldCode(err, "uuid"));
        before.assertUnchanged(daemon.daemon());
        assertError(api.get("/images/" + path), 404, "ResourceNotFound");
    }

    // ---- GetImageFile ----

    @Test
    void getImageFileSendsImgapiHeaders() {
        byte[] file = randomFile(300_001);
        String uuid = api.activeImage("headers", file);
        Response r = api.get("/images/" + uuid + "/file");
        assertEquals(200, r.status());
        assertArrayEquals(file, r.body());
        assertEquals(String.valueOf(file.length), r.header("Content-Length"));
        assertEquals(ImgapiClient.md5Base64(file), r.header("Content-MD5"));
        assertEquals("\"" + ImgapiClient.sha1(file) + "\"", r.header("ETag"));
        assertEquals("application/octet-stream", r.header("Content-Type"));
        assertEquals("hit", r.header("X-Imgfed-Cache"));
        assertEquals("test", r.header("X-Imgfed-Source"));
    }

    @Test
    void headOfFileHasHeadersButNoBody() {
        byte[] file = randomFile(12_345);
        String uuid = api.activeImage("head", file);
        Response r = api.head("/images/" + uuid + "/file");
        assertEquals(200, r.status());
        assertEquals(0, r.body().length);
        assertEquals(String.valueOf(file.length), r.header("Content-Length"));
        assertEquals(ImgapiClient.md5Base64(file), r.header("Content-MD5"));
        assertEquals("\"" + ImgapiClient.sha1(file) + "\"", r.header("ETag"));
    }

    @Test
    void rangeRequests() {
        byte[] file = randomFile(10_000);
        String uuid = api.activeImage("ranges", file);
        String path = "/images/" + uuid + "/file";

        Response mid = api.get(path, Map.of("Range", "bytes=100-199"));
        assertEquals(206, mid.status());
        assertEquals("bytes 100-199/10000", mid.header("Content-Range"));
        assertEquals("100", mid.header("Content-Length"));
        assertArrayEquals(Arrays.copyOfRange(file, 100, 200), mid.body());

        Response suffix = api.get(path, Map.of("Range", "bytes=-500"));
        assertEquals(206, suffix.status());
        assertEquals("bytes 9500-9999/10000", suffix.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(file, 9500, 10000), suffix.body());

        Response open = api.get(path, Map.of("Range", "bytes=9000-"));
        assertEquals(206, open.status());
        assertEquals("bytes 9000-9999/10000", open.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(file, 9000, 10000), open.body());

        Response past = api.get(path, Map.of("Range", "bytes=9990-20000"));
        assertEquals(206, past.status());
        assertEquals("bytes 9990-9999/10000", past.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(file, 9990, 10000), past.body());

        Response unsatisfiable = api.get(path, Map.of("Range", "bytes=10000-"));
        assertError(unsatisfiable, 416, "RequestedRangeNotSatisfiable");
        assertEquals("bytes */10000", unsatisfiable.header("Content-Range"));

        Response multi = api.get(path, Map.of("Range", "bytes=0-9,20-29"));
        assertEquals(200, multi.status(), "a multi-range request is answered with the whole file");
        assertNull(multi.header("Content-Range"));
        assertArrayEquals(file, multi.body());
        assertEquals(ImgapiClient.md5Base64(file), multi.header("Content-MD5"));
    }

    @Test
    void ifNoneMatchWithTheEtagIs304() {
        byte[] file = randomFile(777);
        String uuid = api.activeImage("etag", file);
        Response r = api.get("/images/" + uuid + "/file", Map.of("If-None-Match", "\"" + ImgapiClient.sha1(file) + "\""));
        assertEquals(304, r.status());
        assertEquals(0, r.body().length);
        Response other = api.get("/images/" + uuid + "/file", Map.of("If-None-Match", "\"" + "0".repeat(40) + "\""));
        assertEquals(200, other.status());
        assertArrayEquals(file, other.body());
    }

    @Test
    void fileOfImageWithoutFileIs404() {
        String uuid = api.create(ImgapiClient.manifest("fileless", "1.0.0"));
        assertError(api.get("/images/" + uuid + "/file"), 404, "ResourceNotFound");
    }

    // ---- ?account= visibility ----

    @Test
    void accountSeesOwnPublicAndAclImagesOnly() {
        String priv = api.activeImage("private-of-owner", randomFile(1500));
        ObjectNode pub = ImgapiClient.manifest("public-of-owner", "1.0.0");
        pub.put("public", true);
        String pubUuid = api.create(pub);
        byte[] pubFile = randomFile(1600);
        assertEquals(200, api.upload(pubUuid, pubFile).status());

        // Public but not active yet: invisible to others.
        assertError(api.get("/images/" + pubUuid + "?account=" + OTHER), 404, "ResourceNotFound");
        assertEquals(200, api.post("/images/" + pubUuid + "?action=activate", "{}").status());
        assertEquals(200, api.get("/images/" + pubUuid + "?account=" + OTHER).status());
        assertEquals(200, api.get("/images/" + pubUuid + "/file?account=" + OTHER).status());

        // The owner sees its own images through ?account= too.
        assertEquals(200, api.get("/images/" + priv + "?account=" + OWNER).status());
        assertEquals(200, api.get("/images/" + priv + "/file?account=" + OWNER).status());

        // Private: 404 for others on every endpoint, never revealing that it exists.
        String q = "?account=" + OTHER;
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.get("/images/" + priv + q), 404, "ResourceNotFound");
        assertError(api.get("/images/" + priv + "/file" + q), 404, "ResourceNotFound");
        assertEquals(404, api.head("/images/" + priv + "/file" + q).status());
        assertError(api.post("/images/" + priv + q + "&action=update", "{\"description\":\"x\"}"), 404, "ResourceNotFound");
        assertError(api.post("/images/" + priv + q + "&action=disable", "{}"), 404, "ResourceNotFound");
        assertError(api.post("/images/" + priv + q + "&action=enable", "{}"), 404, "ResourceNotFound");
        assertError(api.post("/images/" + priv + q + "&action=activate", "{}"), 404, "ResourceNotFound");
        assertError(api.post("/images/" + priv + "/acl" + q + "&action=add", "[\"" + OTHER + "\"]"), 404, "ResourceNotFound");
        assertError(api.delete("/images/" + priv + q), 404, "ResourceNotFound");
        assertError(api.put("/images/" + priv + "/file" + q + "&compression=none", new byte[] {1}), 404, "ResourceNotFound");
        assertFalse(listUuids("/images" + q).contains(priv));
        assertTrue(listUuids("/images" + q).contains(pubUuid));
        before.assertUnchanged(daemon.daemon());
    }

    @Test
    void visibleButNotOwnedMutationsAreNotImageOwner() {
        ObjectNode pub = ImgapiClient.manifest("public-not-owned", "1.0.0");
        pub.put("public", true);
        String uuid = api.create(pub);
        assertEquals(200, api.upload(uuid, randomFile(900)).status());
        assertEquals(200, api.post("/images/" + uuid + "?action=activate", "{}").status());
        String unactivated = api.create(ImgapiClient.manifest("acl-not-owned", "1.0.0"));
        assertEquals(200, api.post("/images/" + unactivated + "/acl?action=add", "[\"" + OTHER + "\"]").status());

        String q = "?account=" + OTHER;
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.post("/images/" + uuid + q + "&action=update", "{\"description\":\"x\"}"), 422, "NotImageOwner");
        assertError(api.post("/images/" + uuid + q + "&action=disable", "{}"), 422, "NotImageOwner");
        assertError(api.post("/images/" + uuid + q + "&action=enable", "{}"), 422, "NotImageOwner");
        assertError(api.post("/images/" + uuid + "/acl" + q + "&action=add", "[\"" + STRANGER + "\"]"), 422, "NotImageOwner");
        assertError(api.post("/images/" + uuid + "/acl" + q + "&action=remove", "[\"" + STRANGER + "\"]"), 422,
                "NotImageOwner");
        assertError(api.delete("/images/" + uuid + q), 422, "NotImageOwner");
        assertError(api.post("/images/" + unactivated + q + "&action=activate", "{}"), 422, "NotImageOwner");
        byte[] file = randomFile(100);
        assertError(api.put("/images/" + unactivated + "/file" + q + "&compression=none&sha1=" + ImgapiClient.sha1(file),
                file), 422, "NotImageOwner");
        before.assertUnchanged(daemon.daemon());
    }

    @Test
    void accountMustBeALowercaseUuid() {
        String uuid = api.create(ImgapiClient.manifest("account-param", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        assertError(api.get("/images?account=" + OTHER.toUpperCase()), 422, "InvalidParameter", "account");
        assertError(api.get("/images/" + uuid + "?account=nope"), 422, "InvalidParameter", "account");
        assertError(api.post("/images/" + uuid + "?account=nope&action=disable", "{}"), 422, "InvalidParameter", "account");
        assertError(api.get("/images?account=" + OTHER + "&account=" + STRANGER), 422, "InvalidParameter", "account");
        before.assertUnchanged(daemon.daemon());
    }

    // ---- ops endpoints ----

    @Test
    void healthAndReadiness() {
        Response h = api.get("/healthz");
        assertEquals(200, h.status());
        assertEquals("ok", h.json().path("status").asText());

        Response r = api.get("/readyz");
        assertEquals(200, r.status(), r.toString());
        JsonNode checks = r.json().path("checks");
        for (String c : List.of("store", "catalog", "federation", "billing")) {
            assertTrue(checks.path(c).path("ok").asBoolean(false), "readiness check " + c + " in " + r);
        }
        assertEquals("ready", r.json().path("status").asText());
    }

    @Test
    void metricsExposeStoreBytesAndFileRequests() {
        byte[] file = randomFile(4321);
        String uuid = api.activeImage("metrics", file);
        assertEquals(200, api.get("/images/" + uuid + "/file").status());
        Response m = api.get("/metrics");
        assertEquals(200, m.status());
        assertTrue(m.header("Content-Type").startsWith("text/plain"), m.header("Content-Type"));
        String text = m.text();
        var storeBytes = Pattern.compile("(?m)^imgfed_store_bytes(\\{[^}]*})? (\\S+)$").matcher(text);
        assertTrue(storeBytes.find(), "imgfed_store_bytes missing");
        assertEquals((double) daemon.daemon().store().usedBytes(), Double.parseDouble(storeBytes.group(2)));
        var hits = Pattern.compile("(?m)^imgfed_file_requests_total\\{[^}]*cache=\"hit\"[^}]*} (\\S+)$").matcher(text);
        assertTrue(hits.find(), "imgfed_file_requests_total{cache=hit} missing");
        assertTrue(Double.parseDouble(hits.group(1)) >= 1.0);
    }

    // ---- unknown paths and methods ----

    @Test
    void unknownPathIsJson404AndWrongMethodIsJson405() {
        assertError(api.get("/no/such/thing"), 404, "ResourceNotFound");
        assertError(api.get("/images/" + UUID.randomUUID() + "/nothing"), 404, "ResourceNotFound");
        Response patch = api.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.base() + "/images"))
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
        assertError(patch, 405, "MethodNotAllowed");
        assertError(api.delete("/images"), 405, "MethodNotAllowed");
        assertError(api.put("/images/" + UUID.randomUUID(), new byte[] {'{', '}'}), 405, "MethodNotAllowed");
    }

    private static List<String> listUuids(String path) {
        Response r = api.get(path);
        assertEquals(200, r.status(), r.toString());
        return strings(r.json(), "uuid");
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new java.util.ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> strings(JsonNode arr, String field) {
        List<String> out = new java.util.ArrayList<>();
        arr.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }
}
