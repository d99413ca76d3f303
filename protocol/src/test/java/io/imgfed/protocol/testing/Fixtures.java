package io.imgfed.protocol.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.error.ImgapiException;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;

/** The one place that knows what a valid body looks like, plus assertions on IMGAPI errors. */
public final class Fixtures {

    public static final String OWNER = "11111111-1111-4111-8111-111111111111";
    public static final String OTHER = "22222222-2222-4222-8222-222222222222";
    public static final String THIRD = "33333333-3333-4333-8333-333333333333";
    public static final String UUID_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    public static final String UUID_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    public static final String UUID_C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
    public static final String PUBLISHED = "2024-01-02T03:04:05.678Z";
    public static final String HOME = "us-east-1";
    public static final String SHA1 = "0123456789abcdef0123456789abcdef01234567";
    public static final String SHA256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    public static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

    private Fixtures() {
    }

    /** A minimal CreateImage body that passes for account {@link #OWNER}. */
    public static ObjectNode createBody() {
        ObjectNode b = Json.object();
        b.put("owner", OWNER);
        b.put("name", "base-64");
        b.put("version", "24.1.0");
        b.put("type", "zone-dataset");
        b.put("os", "smartos");
        return b;
    }

    /** {@link #createBody()} as a zvol, with the four fields zvols require. */
    public static ObjectNode zvolBody() {
        ObjectNode b = createBody();
        b.put("type", "zvol");
        b.put("os", "linux");
        b.put("nic_driver", "virtio");
        b.put("disk_driver", "virtio");
        b.put("cpu_type", "host");
        b.put("image_size", 10240);
        return b;
    }

    /** An AdminImportImage body for {@code uuid}, published at {@link #PUBLISHED}. */
    public static ObjectNode importBody(String uuid) {
        ObjectNode b = createBody();
        b.put("uuid", uuid);
        b.put("published_at", PUBLISHED);
        return b;
    }

    /** Parses JSON written with single quotes for readability (so it cannot contain a real {@code '}). */
    public static JsonNode json(String singleQuoted) {
        return Json.tree(singleQuoted.replace('\'', '"'));
    }

    public static JsonNode node(Object value) {
        return Json.MAPPER.valueToTree(value);
    }

    public static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** Query parameters from name/value pairs; a repeated name collects every value in order. */
    public static Map<String, List<String>> params(String... nameValue) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            out.computeIfAbsent(nameValue[i], k -> new ArrayList<>()).add(nameValue[i + 1]);
        }
        return out;
    }

    public static ImageFile file() {
        return new ImageFile(SHA1, 4096, Compression.GZIP, UUID_C, MD5, SHA256);
    }

    public static ImageBuilder image(String uuid) {
        return new ImageBuilder(uuid);
    }

    /** Builds real manifests: the body goes through the import validator, so fixtures cannot drift out of the rules. */
    public static final class ImageBuilder {
        private final String uuid;
        private final ObjectNode body;
        private boolean activated = true;
        private ImageFile file;
        private String homeDc = HOME;

        private ImageBuilder(String uuid) {
            this.uuid = uuid;
            this.body = importBody(uuid);
        }

        public ImageBuilder set(String field, Object value) {
            body.set(field, value instanceof JsonNode n ? n : node(value));
            return this;
        }

        public ImageBuilder remove(String field) {
            body.remove(field);
            return this;
        }

        public ImageBuilder owner(String owner) {
            return set("owner", owner);
        }

        public ImageBuilder isPublic(boolean value) {
            return set("public", value);
        }

        public ImageBuilder acl(String... accounts) {
            return set("acl", List.of(accounts));
        }

        public ImageBuilder tags(Map<String, ?> tags) {
            return set("tags", tags);
        }

        public ImageBuilder publishedAt(String at) {
            return at == null ? remove("published_at") : set("published_at", at);
        }

        /** Never activated: no published_at either, as for a freshly created image. */
        public ImageBuilder unactivated() {
            activated = false;
            return remove("published_at");
        }

        public ImageBuilder disabled() {
            return set("disabled", true);
        }

        public ImageBuilder file(ImageFile f) {
            file = f;
            return this;
        }

        public ImageBuilder homeDc(String dc) {
            homeDc = dc;
            return this;
        }

        public Manifest build() {
            return Manifest.of(ManifestValidator.validateImport(body, uuid), file, activated, homeDc);
        }
    }

    // ---- assertions on IMGAPI errors -------------------------------------------------------------

    /** Asserts that {@code call} throws an ImgapiException with {@code code} and returns its error. */
    public static ImgapiError fails(ErrorCode code, Executable call) {
        ImgapiException e = assertThrows(ImgapiException.class, call);
        assertEquals(code, e.error().code(), () -> "unexpected error " + e.error());
        return e.error();
    }

    public static ImgapiError createFails(JsonNode body) {
        return fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateCreate(body, OWNER));
    }

    public static ImgapiError importFails(JsonNode body, String pathUuid) {
        return fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateImport(body, pathUuid));
    }

    public static ImgapiError updateFails(JsonNode body, Manifest current) {
        return fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateUpdate(body, current));
    }

    public static void assertHasFieldError(ImgapiError error, String field, FieldError.Code code) {
        assertTrue(error.errors().stream().anyMatch(f -> f.field().equals(field) && f.code() == code),
                () -> "expected " + field + "/" + code + " among " + error.errors());
    }

    /** The error names exactly this one field problem: no missed rule, no spurious extra complaint. */
    public static void assertOnlyFieldError(ImgapiError error, String field, FieldError.Code code) {
        assertEquals(1, error.errors().size(), () -> "expected only " + field + "/" + code + " but got " + error.errors());
        FieldError f = error.errors().get(0);
        assertEquals(field, f.field(), () -> "field of " + f);
        assertEquals(code, f.code(), () -> "code of " + f);
        assertTrue(f.message() != null && !f.message().isBlank(), "a field error explains itself");
    }

    /** Create with one field replaced must fail with Invalid on exactly that field. */
    public static void assertCreateInvalid(String field, JsonNode value) {
        ObjectNode body = createBody();
        body.set(field, value);
        assertOnlyFieldError(createFails(body), field, FieldError.Code.Invalid);
    }

    /** Create with one field set must pass, and the value must come back unchanged. */
    public static ObjectNode assertCreateAccepts(String field, JsonNode value) {
        ObjectNode body = createBody();
        body.set(field, value);
        ObjectNode out = ManifestValidator.validateCreate(body, OWNER);
        assertEquals(value, out.get(field), () -> field + " changed on the way through");
        return out;
    }
}
