package io.imgfed.protocol.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.compat.ManifestCase.Op;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Generates the differential test's requests, deterministically for a seed: every field with every JSON type,
 * every required field missing, names and versions with every ASCII character and a range of unicode ones,
 * lengths at each limit minus one, at it and plus one, the enums, uuid spellings, published_at spellings, the
 * requirements, and random combinations of valid and invalid fields. Each case starts from a valid body and
 * changes little, so that a disagreement points at one rule.
 */
final class ManifestCases {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String OWNER = "11111111-1111-4111-8111-111111111111";
    static final String OTHER = "22222222-2222-4222-8222-222222222222";
    static final String IMAGE = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    static final String ORIGIN = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
    static final String PUBLISHED = "2024-01-02T03:04:05.678Z";

    /** Fields that are not manifest fields: IMGAPI-internal ones, v1 ones, imgfed's own, and plain junk. */
    static final List<String> FOREIGN_FIELDS = List.of("urn", "activated", "expires_at", "tagsObj", "home_dc",
            "creator_uuid", "datacenter", "foo", "", "NAME", "name ", "__proto__");

    private final Random random;
    private final List<ManifestCase> out = new ArrayList<>();

    private ManifestCases(long seed) {
        this.random = new Random(seed);
    }

    static List<ManifestCase> generate(long seed) {
        ManifestCases g = new ManifestCases(seed);
        for (Op op : Op.values()) {
            g.valid(op);
            g.missing(op);
            g.wrongTypes(op);
            g.strings(op);
            g.lengths(op);
            g.enums(op);
            g.uuids(op);
            RequirementCases.add(g, op);
        }
        g.accounts();
        g.publishedAt();
        g.combinations(1200);
        return g.out;
    }

    // ---- bases and adding ------------------------------------------------------------------------------

    static ObjectNode base(Op op) {
        ObjectNode b = F.objectNode();
        if (op == Op.IMPORT) {
            b.put("v", 2);
            b.put("uuid", IMAGE);
        }
        b.put("owner", OWNER);
        b.put("name", "base-64");
        b.put("version", "24.1.0");
        b.put("type", "zone-dataset");
        b.put("os", "smartos");
        if (op == Op.IMPORT) {
            b.put("published_at", PUBLISHED);
        }
        return b;
    }

    static ObjectNode zvol(Op op) {
        ObjectNode b = base(op);
        b.put("type", "zvol");
        b.put("os", "linux");
        b.put("nic_driver", "virtio");
        b.put("disk_driver", "virtio");
        b.put("cpu_type", "host");
        b.put("image_size", 10240);
        return b;
    }

    void add(Op op, String label, ObjectNode body) {
        add(op, label, body, null);
    }

    void add(Op op, String label, ObjectNode body, String account) {
        out.add(new ManifestCase(out.size(), label, op, body, account, op == Op.IMPORT ? IMAGE : null));
    }

    /** base(op) with one field set to {@code value}. */
    void set(Op op, String field, JsonNode value) {
        ObjectNode b = base(op);
        b.set(field, value);
        add(op, field + "=" + brief(value), b);
    }

    void set(Op op, ObjectNode base, String field, JsonNode value) {
        ObjectNode b = base.deepCopy();
        b.set(field, value);
        add(op, base.path("type").asText() + " " + field + "=" + brief(value), b);
    }

    void edit(Op op, String label, Consumer<ObjectNode> change) {
        ObjectNode b = base(op);
        change.accept(b);
        add(op, label, b);
    }

    static String brief(JsonNode v) {
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 40) + "...(" + s.length() + " chars)" : s;
    }

    static JsonNode text(String s) {
        return F.textNode(s);
    }

    static ArrayNode array(JsonNode... items) {
        ArrayNode a = F.arrayNode();
        for (JsonNode i : items) {
            a.add(i);
        }
        return a;
    }

    static ObjectNode object(String key, JsonNode value) {
        ObjectNode o = F.objectNode();
        o.set(key, value);
        return o;
    }

    // ---- families ----------------------------------------------------------------------------------------

    private void valid(Op op) {
        add(op, "base", base(op));
        add(op, "zvol base", zvol(op));
        ObjectNode full = base(op);
        full.put("description", "A base image");
        full.put("homepage", "https://example.com/base");
        full.put("eula", "http://example.com/eula");
        full.put("public", true);
        full.put("disabled", false);
        full.put("origin", ORIGIN);
        full.set("acl", array(text(OTHER)));
        full.set("requirements", Json.tree("{\"networks\":[{\"name\":\"net0\",\"description\":\"public\"}],"
                + "\"brand\":\"joyent\",\"ssh_key\":true,\"min_ram\":256,\"max_ram\":1024,"
                + "\"min_platform\":{\"7.0\":\"20130101T000000Z\"}}"));
        full.put("generate_passwords", true);
        full.set("users", Json.tree("[{\"name\":\"root\"},{\"name\":\"admin\"}]"));
        full.set("billing_tags", array(text("small")));
        full.set("traits", Json.tree("{\"ssd\":true,\"img_family\":\"base\",\"hw\":[\"a\",\"b\"]}"));
        full.set("tags", Json.tree("{\"role\":\"db\",\"n\":3,\"beta\":false}"));
        full.set("inherited_directories", array(text("/opt")));
        add(op, "every optional field", full);
    }

    private void missing(Op op) {
        List<String> required = op == Op.IMPORT
                ? List.of("v", "uuid", "owner", "name", "version", "type", "os", "published_at")
                : List.of("owner", "name", "version", "type", "os");
        for (String f : required) {
            edit(op, "without " + f, b -> b.remove(f));
        }
        for (String f : List.of("nic_driver", "disk_driver", "cpu_type", "image_size")) {
            ObjectNode b = zvol(op);
            b.remove(f);
            add(op, "zvol without " + f, b);
        }
    }

    /** Values of every JSON type, a few of each, including ones JavaScript treats as false. */
    static List<JsonNode> typeSamples() {
        return List.of(text(""), text("x"), text("true"), text("false"), text("2"), text("10240"),
                F.numberNode(0), F.numberNode(1), F.numberNode(2), F.numberNode(-1), F.numberNode(1.5),
                F.numberNode(10240), F.numberNode(4294967296L), F.booleanNode(true), F.booleanNode(false),
                F.nullNode(), F.arrayNode(), array(text("x")), array(F.numberNode(1)), F.objectNode(),
                object("a", text("b")), object("name", text("x")));
    }

    private void wrongTypes(Op op) {
        List<String> fields = new ArrayList<>(Manifest.knownFields());
        fields.addAll(FOREIGN_FIELDS);
        for (String field : fields) {
            for (JsonNode v : typeSamples()) {
                set(op, field, v);
            }
        }
        for (String field : List.of("nic_driver", "disk_driver", "cpu_type", "image_size", "type", "os")) {
            for (JsonNode v : typeSamples()) {
                set(op, zvol(op), field, v);
            }
        }
        // and every type one level down: list entries, user names, trait and tag values
        for (JsonNode v : typeSamples()) {
            for (String field : List.of("acl", "billing_tags", "inherited_directories", "channels")) {
                set(op, field, array(v));
            }
            set(op, "users", array(object("name", v)));
            set(op, "traits", object("t", v));
            set(op, "traits", object("t", array(v)));
            set(op, "tags", object("t", v));
        }
    }

    private void strings(Op op) {
        for (String c : StringSamples.characters()) {
            for (String field : List.of("name", "version")) {
                set(op, field, text("a" + c + "b"));
                if (op == Op.CREATE) {
                    set(op, field, text(c));
                    set(op, field, text(c + "a"));
                    set(op, field, text("a" + c));
                }
            }
            if (op == Op.CREATE) {
                for (String field : List.of("description", "homepage", "billing_tags", "users",
                        "inherited_directories", "tags", "traits", "requirements")) {
                    set(op, field, StringSamples.carrying(field, c));
                }
                set(op, zvol(op), "nic_driver", text("a" + c + "b"));
            }
        }
        for (String s : StringSamples.shapes()) {
            set(op, "name", text(s));
            set(op, "version", text(s));
        }
        for (String s : StringSamples.urls()) {
            set(op, "homepage", text(s));
            set(op, "eula", text(s));
        }
    }

    private void lengths(Op op) {
        for (int delta = -1; delta <= 1; delta++) {
            set(op, "name", text(StringSamples.length("n", 1024 + delta)));
            set(op, "name", text(StringSamples.length("\u00e9", 1024 + delta)));
            set(op, "name", text(StringSamples.length("a/b c", 1024 + delta)));
            set(op, "version", text(StringSamples.length("v", 512 + delta)));
            set(op, "version", text(StringSamples.length("1.0+b", 512 + delta)));
            set(op, "description", text(StringSamples.length("d", 10240 + delta)));
            set(op, "description", text(StringSamples.length("\u00e9", 10240 + delta)));
            set(op, "description", text(StringSamples.length("\ud83d\ude00", 10240 + delta)));
            for (String f : List.of("homepage", "eula")) {
                set(op, f, text("https://example.com/" + StringSamples.length("p", 1024 + delta - 20)));
                set(op, f, text("http://example.com/" + StringSamples.length("\u00e9", 1024 + delta - 19)));
            }
            set(op, "billing_tags", array(text(StringSamples.length("t", 128 + delta))));
            set(op, "billing_tags", array(text("ok"), text(StringSamples.length("\u00fc", 128 + delta))));
            set(op, "users", array(object("name", text(StringSamples.length("u", 1024 + delta)))));
            set(op, "inherited_directories", array(text("/" + StringSamples.length("d", 1023 + delta))));
            set(op, zvol(op), "nic_driver", text(StringSamples.length("e", 64 + delta)));
            set(op, zvol(op), "cpu_type", text(StringSamples.length("c", 64 + delta)));
            set(op, "tags", StringSamples.tagsOfJsonLength(100 * 1024 + delta, 'x'));
            set(op, "tags", StringSamples.tagsOfJsonLength(100 * 1024 + delta, '\u00e9'));
            set(op, "acl", StringSamples.uuids(1024 + delta));
        }
        for (int n : new int[] {0, 1, 2, 3}) {
            set(op, "channels", StringSamples.repeated("c", n));
            set(op, "billing_tags", StringSamples.repeated("b", n));
            set(op, "users", StringSamples.users(n));
        }
    }

    private void enums(Op op) {
        List<String> types = List.of("zone-dataset", "zvol", "lx-dataset", "lxd", "docker", "other", "null", "",
                "ZONE-DATASET", "zone_dataset", "Zvol", " zvol", "zvol ", "kvm", "bhyve", "smartos");
        for (String t : types) {
            set(op, "type", text(t));
            set(op, zvol(op), "type", text(t));
        }
        List<String> oses = List.of("smartos", "linux", "windows", "bsd", "illumos", "other", "null", "",
                "SmartOS", "Linux", "linux ", "freebsd", "unix", "zone-dataset");
        for (String o : oses) {
            set(op, "os", text(o));
        }
        for (String s : List.of("active", "unactivated", "disabled", "creating", "failed", "deleted", "", "Active")) {
            set(op, "state", text(s));
            ObjectNode b = base(op);
            b.put("state", s);
            b.set("files", Json.tree("[{\"sha1\":\"" + "0".repeat(40) + "\",\"size\":1,\"compression\":\"gzip\"}]"));
            add(op, "state=" + s + " with files", b);
        }
        for (String c : List.of("gzip", "bzip2", "xz", "none", "zstd", "", "GZIP")) {
            set(op, "files", Json.tree("[{\"sha1\":\"" + "0".repeat(40) + "\",\"size\":1,\"compression\":\"" + c + "\"}]"));
        }
    }

    private void uuids(Op op) {
        for (String u : StringSamples.uuidSpellings()) {
            for (String field : List.of("owner", "origin")) {
                set(op, field, text(u));
            }
            set(op, "acl", array(text(u)));
            set(op, "acl", array(text(OTHER), text(u)));
            if (op == Op.IMPORT) {
                ObjectNode b = base(op);
                b.put("uuid", u);
                out.add(new ManifestCase(out.size(), "uuid=" + u + " (path too)", op, b, null, u));
            }
        }
        if (op == Op.IMPORT) {
            out.add(new ManifestCase(out.size(), "path uuid differs", op, base(op), null, ORIGIN));
        }
        set(op, "acl", array(text(OTHER), text(OTHER)));
        set(op, "acl", text(OTHER));
    }

    /** CreateImage with ?account=: the owner defaults to it and must equal it when given. */
    private void accounts() {
        for (String account : new String[] {OWNER, OTHER}) {
            add(Op.CREATE, "account, same owner", base(Op.CREATE), account);
            ObjectNode b = base(Op.CREATE);
            b.remove("owner");
            add(Op.CREATE, "account, no owner", b, account);
            ObjectNode n = base(Op.CREATE);
            n.putNull("owner");
            add(Op.CREATE, "account, owner null", n, account);
            ObjectNode e = base(Op.CREATE);
            e.put("owner", "");
            add(Op.CREATE, "account, owner empty", e, account);
        }
    }

    private void publishedAt() {
        for (String s : StringSamples.timestamps()) {
            set(Op.IMPORT, "published_at", text(s));
        }
    }

    /** Bodies with several fields changed at once, from a pool of valid and invalid values. */
    private void combinations(int n) {
        List<String[]> pool = StringSamples.combinationPool();
        for (int i = 0; i < n; i++) {
            Op op = random.nextBoolean() ? Op.CREATE : Op.IMPORT;
            ObjectNode b = random.nextInt(4) == 0 ? zvol(op) : base(op);
            StringBuilder label = new StringBuilder("combination");
            int k = 1 + random.nextInt(4);
            for (int j = 0; j < k; j++) {
                String[] pick = pool.get(random.nextInt(pool.size()));
                b.set(pick[0], Json.tree(pick[1]));
                label.append(' ').append(pick[0]).append('=').append(brief(Json.tree(pick[1])));
            }
            add(op, label.toString(), b);
        }
    }
}
