package io.imgfed.replicator.api;

import static io.imgfed.replicator.testkit.ApiAsserts.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.ApiAsserts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 2's bad input for manifests, query strings and paths: each answer has the right status, the JSON error
 * code and the field it names, and nothing is stored (checked after every test).
 */
class BadInputTest {
    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    /** An existing unactivated image, for updates and paths. */
    static String existing;
    /** An existing active image with a file. */
    static String active;
    ApiAsserts.Snapshot before;

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir);
        api = daemon.client();
        existing = api.create(ImgapiClient.manifest("existing", "1.0.0"));
        active = api.activeImage("active", new byte[] {1, 2, 3, 4, 5});
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @BeforeEach
    void snapshot() {
        before = ApiAsserts.Snapshot.of(daemon.daemon());
    }

    @AfterEach
    void nothingStored() {
        before.assertUnchanged(daemon.daemon());
    }

    private static ObjectNode with(Consumer<ObjectNode> change) {
        ObjectNode m = ImgapiClient.manifest("bad", "1.0.0");
        change.accept(m);
        return m;
    }

    private static JsonNode createFails(ObjectNode body, String field, String fieldCode) {
        JsonNode err = assertError(api.post("/images", body), 422, "ValidationFailed", field);
        assertEquals(fieldCode, ApiAsserts.fieldCode(err, field), err::toString);
        return err;
    }

    private static void updateFails(String body, String field) {
        assertError(api.post("/images/" + existing + "?action=update", body), 422, "ValidationFailed", field);
    }

    // ---- names and versions ----

    @ParameterizedTest
    @ValueSource(strings = {"nämé", "名前", "emoji😀", "nul\u0000byte", "quo\"te", "single'quote", "back\\slash",
            "new\nline", "carriage\rreturn", "tab\tbed", "<script>", "semi;colon", "per%cent", "star*", "../etc",
            "a/../b", "..", ".", "a/./b", "trailing/..", "", "\u00a0nbsp", "zero\u200bwidth"})
    void oddCharactersInNameAreRefused(String name) {
        createFails(with(m -> m.put("name", name)), "name", "Invalid");
        updateFails("{\"name\":" + Json.MAPPER.valueToTree(name) + "}", "name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0ü", "1 0", "nul\u0000", "\"1\"", "'1'", "new\nline", "../1", "1/../2", "..", ".",
            "1;2", "1%20", "1:2", "1,2", "1~2", "", "1\u0085"})
    void oddCharactersInVersionAreRefused(String version) {
        createFails(with(m -> m.put("version", version)), "version", "Invalid");
        updateFails("{\"version\":" + Json.MAPPER.valueToTree(version) + "}", "version");
    }

    @Test
    void nameAndVersionOfTheWrongTypeAreRefused() {
        createFails(with(m -> m.put("name", 5)), "name", "Invalid");
        createFails(with(m -> m.putArray("version").add("1")), "version", "Invalid");
        createFails(with(m -> m.putNull("name")), "name", "Invalid");
    }

    @Test
    void longestAllowedValuesAreAccepted() {
        ObjectNode m = with(x -> {
            x.put("name", "n".repeat(1024));
            x.put("version", "v".repeat(512));
            x.put("description", "d".repeat(10240));
            x.put("homepage", "https://example.com/" + "h".repeat(1024 - 20));
        });
        Response r = api.post("/images", m);
        assertEquals(200, r.status(), r.toString());
        assertEquals(204, api.delete("/images/" + r.json().path("uuid").asText()).status());
    }

    @Test
    void overLongFieldsAreRefused() {
        createFails(with(m -> m.put("name", "n".repeat(1025))), "name", "Invalid");
        createFails(with(m -> m.put("version", "v".repeat(513))), "version", "Invalid");
        createFails(with(m -> m.put("description", "d".repeat(10241))), "description", "Invalid");
        createFails(with(m -> m.put("homepage", "https://example.com/" + "h".repeat(1024 - 19))), "homepage", "Invalid");
        createFails(with(m -> m.put("eula", "https://example.com/" + "e".repeat(1024 - 19))), "eula", "Invalid");
        createFails(with(m -> m.putArray("billing_tags").add("b".repeat(129))), "billing_tags", "Invalid");
        createFails(with(m -> {
            ObjectNode tags = m.putObject("tags");
            for (int i = 0; i < 200; i++) {
                tags.put("k" + i, "t".repeat(600));
            }
        }), "tags", "Invalid");
        createFails(with(m -> {
            ArrayNode acl = m.putArray("acl");
            for (int i = 0; i < 1025; i++) {
                acl.add(UUID.randomUUID().toString());
            }
        }), "acl", "Invalid");
        updateFails("{\"description\":\"" + "d".repeat(10241) + "\"}", "description");
    }

    @Test
    void fieldsOfTheWrongShapeAreRefused() {
        createFails(with(m -> m.put("v", 3)), "v", "Invalid");
        createFails(with(m -> m.put("public", "yes")), "public", "Invalid");
        createFails(with(m -> m.put("type", "bogus")), "type", "Invalid");
        createFails(with(m -> m.put("os", "temple")), "os", "Invalid");
        createFails(with(m -> m.put("owner", "930896AF-BF8C-48D4-885C-6573A94B1853")), "owner", "Invalid");
        createFails(with(m -> m.put("homepage", "ftp://example.com/")), "homepage", "Invalid");
        createFails(with(m -> m.put("homepage", "javascript:alert(1)")), "homepage", "Invalid");
        createFails(with(m -> m.putArray("acl").add("not-a-uuid")), "acl", "Invalid");
        createFails(with(m -> m.put("origin", "nope")), "origin", "Invalid");
        createFails(with(m -> m.putArray("users").add("root")), "users", "Invalid");
        createFails(with(m -> m.put("tags", "x")), "tags", "Invalid");
        createFails(with(m -> m.putObject("tags").put("", "empty key")), "tags", "Invalid");
        createFails(with(m -> m.putObject("traits").put("n", 5)), "traits", "Invalid");
        createFails(with(m -> m.putArray("channels").add("UPPER")), "channels", "Invalid");
    }

    @Test
    void missingRequiredFieldsAreEachNamed() {
        JsonNode err = assertError(api.post("/images", "{}"), 422, "ValidationFailed", "owner", "name", "version", "type", "os");
        for (String f : List.of("owner", "name", "version", "type", "os")) {
            assertEquals("MissingParameter", ApiAsserts.fieldCode(err, f));
        }
    }

    @Test
    void zvolRules() {
        JsonNode err = assertError(api.post("/images", with(m -> m.put("type", "zvol"))), 422, "ValidationFailed",
                "nic_driver", "disk_driver", "cpu_type", "image_size");
        assertEquals("MissingParameter", ApiAsserts.fieldCode(err, "image_size"));
        createFails(with(m -> m.put("nic_driver", "virtio")), "nic_driver", "NotAllowed");
        createFails(with(m -> {
            m.put("type", "zvol");
            m.put("nic_driver", "virtio");
            m.put("disk_driver", "virtio");
            m.put("cpu_type", "host");
            m.put("image_size", -1);
        }), "image_size", "Invalid");
    }

    @Test
    void requirementRules() {
        createFails(with(m -> m.putObject("requirements").put("min_ram", 2048).put("max_ram", 1024)),
                "requirements.min_ram", "Invalid");
        createFails(with(m -> m.putObject("requirements").put("bootrom", "uefi")), "requirements.bootrom", "Invalid");
        createFails(with(m -> m.putObject("requirements").put("frobs", 1)), "requirements.frobs", "NotAllowed");
        createFails(with(m -> m.putObject("requirements").putObject("min_platform")), "requirements.min_platform",
                "Invalid");
        createFails(with(m -> m.putObject("requirements").put("ssh_key", "yes")), "requirements.ssh_key", "Invalid");
    }

    @Test
    void unknownFieldsAreRefused() {
        createFails(with(m -> m.put("frobnicate", true)), "frobnicate", "NotAllowed");
        createFails(with(m -> m.put("home_dc", "elsewhere")), "home_dc", "NotAllowed");
        updateFails("{\"frobnicate\":true}", "frobnicate");
    }

    @Test
    void computedAndServerAssignedFieldsAreRefused() {
        createFails(with(m -> m.put("state", "active")), "state", "NotAllowed");
        createFails(with(m -> m.put("state", "unactivated")), "state", "NotAllowed");
        createFails(with(m -> m.put("uuid", UUID.randomUUID().toString())), "uuid", "NotAllowed");
        createFails(with(m -> m.put("published_at", "2020-01-01T00:00:00Z")), "published_at", "NotAllowed");
        createFails(with(m -> m.putArray("files")), "files", "NotAllowed");
        createFails(with(m -> m.put("error", "x")), "error", "NotAllowed");
        updateFails("{\"state\":\"disabled\"}", "state");
    }

    @Test
    void malformedJsonIsInvalidContent() {
        for (String body : List.of("{\"name\": ", "{name: \"x\"}", "{'name': 'x'}", "{\"name\":\"x\",}", "{} {}",
                "{\"name\":\"x\"} trailing", "\u0000", "not json at all", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")) {
            assertError(api.post("/images", body), 400, "InvalidContent");
            assertError(api.post("/images/" + existing + "?action=update", body), 400, "InvalidContent");
        }
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] body = "{\"owner\":\"930896af-bf8c-48d4-885c-6573a94b1853\",\"name\":\"\u00ff\",\"version\":\"1\",\"type\":\"zone-dataset\",\"os\":\"smartos\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        Response r = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/images"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertTrue(r.status() == 400 || r.status() == 422, r.toString());
        assertTrue(List.of("InvalidContent", "ValidationFailed").contains(r.code()), r.toString());
    }

    @Test
    void duplicateKeysAreInvalidContent() {
        String body = "{\"owner\":\"" + ImgapiClient.OWNER + "\",\"name\":\"a\",\"name\":\"b\",\"version\":\"1\","
                + "\"type\":\"zone-dataset\",\"os\":\"smartos\"}";
        assertError(api.post("/images", body), 400, "InvalidContent");
        assertError(api.post("/images/" + existing + "?action=update",
                "{\"description\":\"a\",\"description\":\"b\"}"), 400, "InvalidContent");
        assertError(api.post("/images/" + existing + "?action=update",
                "{\"tags\":{\"k\":\"a\",\"k\":\"b\"}}"), 400, "InvalidContent");
    }

    @Test
    void nonObjectBodiesAreInvalidContent() {
        for (String body : List.of("[]", "[{}]", "\"string\"", "42", "true", "null")) {
            assertError(api.post("/images", body), 400, "InvalidContent");
            assertError(api.post("/images/" + existing + "?action=update", body), 400, "InvalidContent");
        }
    }

    @Test
    void bodyOverTheLimitIs413Json() {
        String big = "{\"description\":\"" + "x".repeat(1024 * 1024) + "\"}";
        assertError(api.post("/images", big), 413, "RequestEntityTooLarge");
        assertError(api.post("/images/" + existing + "?action=update", big), 413, "RequestEntityTooLarge");
        assertEquals(200, api.get("/ping").status(), "the daemon still answers");
    }

    @Test
    void wrongContentMd5OnAJsonBodyIsInvalidHeader() {
        String body = "{\"description\":\"checked\"}";
        String wrong = ImgapiClient.md5Base64("something else".getBytes(StandardCharsets.UTF_8));
        Response r = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/images/" + existing + "?action=update"))
                .header("Content-Type", "application/json").header("Content-MD5", wrong)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertError(r, 400, "InvalidHeader", "Content-MD5");
        Response create = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/images"))
                .header("Content-Type", "application/json").header("Content-MD5", "garbage")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.valueToTree(ImgapiClient.manifest("md5", "1")).toString())));
        assertError(create, 400, "InvalidHeader", "Content-MD5");
    }

    @Test
    void rightContentMd5IsAccepted() {
        String body = "{\"description\":\"checked\"}";
        Response r = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/images/" + existing + "?action=update"))
                .header("Content-Type", "application/json")
                .header("Content-MD5", ImgapiClient.md5Base64(body.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(200, r.status(), r.toString());
        assertEquals("checked", r.json().path("description").asText());
        before = ApiAsserts.Snapshot.of(daemon.daemon()); // this one was meant to change the image
    }

    // ---- uuids in paths and queries ----

    @ParameterizedTest
    @ValueSource(strings = {"UPPER", "not-a-uuid", "12345", "%2e%2e", "..%2f..%2fetc", "x%00y",
            "930896AF-BF8C-48D4-885C-6573A94B1853", "930896af-bf8c-48d4-885c-6573a94b185", "930896af-bf8c-48d4-885c-6573a94b18533",
            "930896afbf8c48d4885c6573a94b1853", "%7B930896af-bf8c-48d4-885c-6573a94b1853%7D", "930896af-bf8c-48d4-885c-6573a94b185g"})
    void malformedPathUuidsAre404(String segment) {
        String upperOfExisting = existing.toUpperCase();
        for (String id : List.of(segment, upperOfExisting)) {
            String p = "/images/" + id;
            assertError(api.get(p), 404, "ResourceNotFound");
            assertError(api.get(p + "/file"), 404, "ResourceNotFound");
            assertError(api.post(p + "?action=update", "{\"description\":\"x\"}"), 404, "ResourceNotFound");
            assertError(api.post(p + "?action=activate", "{}"), 404, "ResourceNotFound");
            assertError(api.post(p + "?action=disable", "{}"), 404, "ResourceNotFound");
            assertError(api.post(p + "/acl?action=add", "[\"" + ImgapiClient.OWNER + "\"]"), 404, "ResourceNotFound");
            assertError(api.delete(p), 404, "ResourceNotFound");
            assertError(api.put(p + "/file?compression=none", new byte[] {1}), 404, "ResourceNotFound");
            ObjectNode imp = ImgapiClient.manifest("imp", "1.0.0");
            imp.put("uuid", id);
            assertError(api.post(p + "?action=import", imp), 404, "ResourceNotFound");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"owner", "account"})
    void malformedUuidsInQueriesAreInvalidParameter(String param) {
        for (String v : List.of("930896AF-BF8C-48D4-885C-6573A94B1853", "nope", "", "930896af-bf8c-48d4-885c-6573a94b185")) {
            String q = param + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8);
            assertError(api.get("/images?" + q), 422, "InvalidParameter", param);
        }
    }

    // ---- ListImages parameters ----

    @Test
    void hugeOrBadLimitIsInvalidParameter() {
        for (String limit : List.of("1001", "1000000", "99999999999999999999", "0", "-1", "abc", "1.5", "", "1e3")) {
            assertError(api.get("/images?limit=" + limit), 422, "InvalidParameter", "limit");
        }
        assertError(api.get("/images?limit=1&limit=2"), 422, "InvalidParameter", "limit");
        assertEquals(200, api.get("/images?limit=1000").status());
        assertEquals(200, api.get("/images?limit=1").status());
    }

    @Test
    void badMarkerIsInvalidParameter() {
        for (String marker : List.of(UUID.randomUUID().toString(), "garbage", existing.toUpperCase(), "2020-13-45",
                "2020-02-30T00:00:00Z", "2020-01-01T25:00:00Z", "2020-01-01 00:00:00", "yesterday", "-1", "")) {
            assertError(api.get("/images?marker=" + URLEncoder.encode(marker, StandardCharsets.UTF_8)), 422,
                    "InvalidParameter", "marker");
        }
    }

    @Test
    void badFilterValuesAreInvalidParameter() {
        assertError(api.get("/images?state=bogus"), 422, "InvalidParameter", "state");
        assertError(api.get("/images?public=maybe"), 422, "InvalidParameter", "public");
        assertError(api.get("/images?os=temple"), 422, "InvalidParameter", "os");
        assertError(api.get("/images?type=!bogus"), 422, "InvalidParameter", "type");
        assertError(api.get("/images?name=a&name=b"), 422, "InvalidParameter", "name");
    }

    @Test
    void brokenQueryEncodingIsInvalidParameter() throws Exception {
        String raw = io.imgfed.replicator.testkit.RawHttp.exchange("127.0.0.1", daemon.daemon().httpPort(),
                "GET /images?name=%zz HTTP/1.1\nHost: x\nConnection: close\n\n", null, false, 5000);
        assertError(ApiAsserts.parseRaw(raw), 422, "InvalidParameter", "query");
    }

    // ---- actions ----

    @Test
    void unknownOrMissingActionIsInvalidParameter() {
        assertError(api.post("/images/" + existing + "?action=frobnicate", "{}"), 422, "InvalidParameter", "action");
        assertError(api.post("/images/" + existing + "?action=ACTIVATE", "{}"), 422, "InvalidParameter", "action");
        assertError(api.post("/images/" + existing, "{}"), 422, "InvalidParameter", "action");
        assertError(api.post("/images/" + existing + "?action=activate&action=disable", "{}"), 422, "InvalidParameter",
                "action");
    }

    @Test
    void activateWithoutFileIsNoActivationNoFile() {
        assertError(api.post("/images/" + existing + "?action=activate", "{}"), 422, "NoActivationNoFile");
    }

    @Test
    void importIsRefusedForBadManifests() {
        String uuid = UUID.randomUUID().toString();
        ObjectNode m = ImgapiClient.manifest("imp", "1.0.0");
        m.put("uuid", uuid);
        m.put("published_at", "2020-01-01");
        assertError(api.post("/images/" + uuid + "?action=import", m), 422, "ValidationFailed", "published_at");
        m.put("published_at", "2020-02-31T00:00:00Z");
        assertError(api.post("/images/" + uuid + "?action=import", m), 422, "ValidationFailed", "published_at");
        m.put("published_at", "2020-01-01T00:00:00Z");
        m.put("name", "../x");
        assertError(api.post("/images/" + uuid + "?action=import", m), 422, "ValidationFailed", "name");
        assertError(api.post("/images/" + uuid + "?action=import", "[]"), 400, "InvalidContent");
    }
}
