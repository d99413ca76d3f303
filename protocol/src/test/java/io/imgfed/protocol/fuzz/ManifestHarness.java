package io.imgfed.protocol.fuzz;

import static io.imgfed.protocol.fuzz.Contract.check;
import static io.imgfed.protocol.fuzz.Contract.orClientError;
import static io.imgfed.protocol.fuzz.Contract.orMalformed;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.federation.ManifestRecord;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.query.ImageOrder;
import io.imgfed.protocol.query.ImageQuery;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One fuzz input through the manifest code as the daemon uses it: a request body parsed with
 * {@link Json#parseBody}, validated for create, import, update or an acl change, then turned into a
 * {@link Manifest} whose public, stored and gossiped forms must round-trip and whose fields must validate again
 * unchanged (what one DC stores, another must accept as is).
 *
 * <p>Input layout: the last byte holds the flags (operation in bits 0-1, structured body in bit 2, account given
 * in bit 3, file in bit 4, activated in bit 5, which current image an update starts from in bits 6-7); the rest
 * is the JSON body (or, structured, the bytes {@link JsonGen} builds one from). So a seed is a JSON document
 * followed by one byte.
 */
final class ManifestHarness {
    static final String ACCOUNT = "11111111-1111-4111-8111-111111111111";
    static final String NEW_UUID = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
    static final String HOME = "fuzz-dc";
    static final String NOW = "2026-05-06T07:08:09.123Z";
    static final ImageFile FILE = new ImageFile("0123456789abcdef0123456789abcdef01234567", 4096, Compression.GZIP,
            null, "1B2M2Y8AsgTpgAmY7PhCfg==", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    /** Images an update starts from: plain, zvol, and one with every free-form part set. */
    static final List<Manifest> CURRENT = List.of(
            imported("""
                    {"uuid":"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","owner":"11111111-1111-4111-8111-111111111111",
                     "name":"base-64","version":"24.1.0","type":"zone-dataset","os":"smartos",
                     "published_at":"2024-01-02T03:04:05.678Z"}"""),
            imported("""
                    {"uuid":"bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb","owner":"11111111-1111-4111-8111-111111111111",
                     "name":"ubuntu","version":"22.04","type":"zvol","os":"linux","nic_driver":"virtio",
                     "disk_driver":"virtio","cpu_type":"host","image_size":10240,"public":true}"""),
            imported("""
                    {"uuid":"dddddddd-dddd-4ddd-8ddd-dddddddddddd","owner":"22222222-2222-4222-8222-222222222222",
                     "name":"rich","version":"1.0.0","type":"zone-dataset","os":"smartos","description":"d",
                     "homepage":"https://example.com/","acl":["11111111-1111-4111-8111-111111111111"],
                     "requirements":{"min_ram":512,"max_ram":2048,"brand":"bhyve","bootrom":"uefi",
                       "networks":[{"name":"net0","description":"public"}],"min_platform":{"7.0":"20130101T000000Z"}},
                     "users":[{"name":"root"}],"billing_tags":["gold"],"traits":{"ssd":true,"t":["a"]},
                     "tags":{"role":"db","n":3},"inherited_directories":["/opt"],"channels":["stable"],
                     "generate_passwords":true}"""),
            imported("""
                    {"uuid":"eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee","owner":"11111111-1111-4111-8111-111111111111",
                     "name":"lx","version":"3","type":"lx-dataset","os":"linux","disabled":true}"""));

    /** How far an input got: refused by the parser, refused by the validator, or accepted. */
    enum Outcome { NOT_JSON, REFUSED, ACCEPTED }

    private ManifestHarness() {
    }

    private static Manifest imported(String json) {
        JsonNode body = Json.tree(json);
        return Manifest.of(ManifestValidator.validateImport(body, body.get("uuid").asText()), FILE, true, HOME);
    }

    static Outcome run(FuzzedDataProvider d) {
        int flags = d.consumeByte() & 0xff;
        int op = flags & 3;
        boolean structured = (flags & 4) != 0;
        String account = (flags & 8) != 0 ? ACCOUNT : null;
        boolean withFile = (flags & 16) != 0;
        boolean activated = (flags & 32) != 0;
        Manifest current = CURRENT.get(flags >>> 6);

        byte[] bytes = structured
                ? Json.bytes(op == 3 ? JsonGen.array(d, 3, 8) : JsonGen.object(d, 4, 24))
                : d.consumeRemainingAsBytes();
        JsonNode body = orClientError(() -> Json.parseBody(bytes));
        if (body == null) {
            return Outcome.NOT_JSON;
        }
        Manifest result = switch (op) {
            case 0 -> orClientError(() -> {
                ObjectNode fields = ManifestValidator.validateCreate(body, account);
                check(!fields.has("uuid"), "create kept a client's uuid");
                check(account == null || account.equals(fields.path("owner").asText()), "create: owner is not the account");
                fields.put("uuid", NEW_UUID);
                Manifest m = Manifest.of(fields, null, false, HOME);
                if (withFile) {
                    m = m.withFile(FILE);
                    if (activated) {
                        m = m.activate(NOW);
                    }
                }
                return m;
            });
            case 1 -> orClientError(() -> {
                String pathUuid = body.path("uuid").isTextual() ? body.get("uuid").asText() : NEW_UUID;
                ObjectNode fields = ManifestValidator.validateImport(body, pathUuid);
                Manifest m = Manifest.of(fields, withFile ? FILE : null, withFile && activated, HOME);
                check(m.uuid().equals(pathUuid), "import changed the uuid");
                return m;
            });
            case 2 -> orClientError(() -> {
                ObjectNode merged = ManifestValidator.validateUpdate(body, current);
                Manifest m = current.withFields(merged);
                check(m.uuid().equals(current.uuid()) && m.owner().equals(current.owner()), "update changed identity");
                return m;
            });
            default -> orClientError(() -> {
                List<String> accounts = ManifestValidator.validateAclBody(body);
                check(!accounts.isEmpty(), "an accepted acl body names no account");
                LinkedHashSet<String> acl = new LinkedHashSet<>(current.acl());
                if (activated) {
                    acl.addAll(accounts);
                } else {
                    accounts.forEach(acl::remove);
                }
                return acl.size() > ManifestValidator.MAX_ACL ? current : current.withAcl(acl);
            });
        };
        if (result == null) {
            return Outcome.REFUSED;
        }
        checkForms(result);
        return Outcome.ACCEPTED;
    }

    /** The invariants every accepted manifest keeps, in every form it travels in. */
    static void checkForms(Manifest m) {
        ObjectNode pub = m.toJson();
        check(pub.path("uuid").asText().equals(m.uuid()) && pub.path("owner").asText().equals(m.owner())
                && pub.path("state").isTextual() && pub.path("home_dc").asText().equals(m.homeDc())
                && pub.path("files").isArray(), "public form lacks identity or computed fields: " + pub);
        byte[] pubBytes = m.toJsonBytes();
        check(Arrays.equals(Json.bytes(pub), pubBytes), "toJsonBytes differs from toJson");

        Manifest stored = Manifest.fromStoredJson(Json.tree(Json.bytes(m.toStoredJson())));
        check(stored.equals(m), "stored form does not round-trip: " + m.toStoredJson());
        check(Arrays.equals(stored.toJsonBytes(), pubBytes), "public form changed through the stored form");
        check(stored.state() == m.state() && stored.visibleTo(ACCOUNT) == m.visibleTo(ACCOUNT),
                "state or visibility changed through the stored form");

        ManifestRecord rec = orMalformed(() -> ManifestRecord.fromPayload(
                Json.tree(ManifestRecord.of(m).toPayload())));
        check(rec != null && !rec.deleted() && rec.manifest().equals(m), "manifest record does not round-trip");

        // What one DC accepted and stored, any DC must accept again, unchanged.
        ObjectNode fields = m.fieldsCopy();
        ObjectNode again = orClientError(() -> ManifestValidator.validateImport(fields, m.uuid()));
        check(again != null, "stored fields of an accepted image do not validate again: " + fields);
        check(again.equals(fields), "validation is not idempotent: " + fields + " became " + again);

        ImageQuery all = ImageQuery.parse(Map.of("state", List.of("all")));
        check(all.matches(m), "state=all does not match " + m);
        ImageOrder.of(m).compareTo(ImageOrder.atTime(NOW));
    }
}
