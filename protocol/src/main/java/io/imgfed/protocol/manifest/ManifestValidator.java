package io.imgfed.protocol.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * IMGAPI's manifest rules for CreateImage, AdminImportImage and UpdateImage. Every problem found is
 * reported, each naming its field, in one ValidationFailed error; nothing is half-accepted.
 */
public final class ManifestValidator {

    public static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9._/ -]+$");
    public static final Pattern VERSION = Pattern.compile("^[A-Za-z0-9._/+-]+$");
    public static final Pattern PUBLISHED_AT = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z$");
    private static final Pattern PLATFORM_KEY = Pattern.compile("^\\d+\\.\\d+$");
    private static final Pattern PLATFORM_STAMP = Pattern.compile("^\\d{8}T\\d{6}Z$");
    private static final Pattern CHANNEL = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,127}$");

    public static final int MAX_NAME = 1024;
    public static final int MAX_VERSION = 512;
    public static final int MAX_DESCRIPTION = 10240;
    public static final int MAX_URL = 1024;
    public static final int MAX_BILLING_TAG = 128;
    public static final int MAX_TAGS_JSON = 100 * 1024;
    public static final int MAX_ACL = 1024;
    private static final int MAX_SHORT_STRING = 1024;

    private static final Set<String> REQUIREMENT_KEYS = Set.of(
            "networks", "brand", "ssh_key", "min_ram", "max_ram", "min_platform", "max_platform", "bootrom");
    private static final Set<String> ZVOL_FIELDS = Set.of("nic_driver", "disk_driver", "cpu_type", "image_size");

    /**
     * Which fields each operation accepts from a client, and which it ignores whatever their value; any other
     * known field is NotAllowed. An import ignores the computed {@code state} and {@code files} as IMGAPI does
     * (its Image.create drops them "to allow create from IMGAPI output"), so a manifest read from any IMGAPI's
     * GetImage imports as it is; its file is then added with AddImageFile.
     */
    public enum Operation {
        CREATE(Set.of("v", "owner", "name", "version", "description", "homepage", "eula", "disabled", "public", "type",
                "os", "origin", "acl", "requirements", "generate_passwords", "users", "billing_tags", "traits", "tags",
                "inherited_directories", "nic_driver", "disk_driver", "cpu_type", "image_size", "channels"), Set.of()),
        IMPORT(Set.of("v", "uuid", "owner", "name", "version", "description", "homepage", "eula", "icon", "disabled",
                "public", "published_at", "type", "os", "origin", "acl", "requirements", "generate_passwords", "users",
                "billing_tags", "traits", "tags", "inherited_directories", "nic_driver", "disk_driver", "cpu_type",
                "image_size", "channels"), Set.of("state", "files")),
        UPDATE(Set.of("name", "version", "description", "homepage", "eula", "public", "type", "os", "acl",
                "requirements", "generate_passwords", "users", "billing_tags", "traits", "tags", "inherited_directories",
                "nic_driver", "disk_driver", "cpu_type", "image_size", "channels"), Set.of());

        private final Set<String> accepted;
        private final Set<String> ignored;

        Operation(Set<String> accepted, Set<String> ignored) {
            this.accepted = accepted;
            this.ignored = ignored;
        }

        public boolean accepts(String field) {
            return accepted.contains(field);
        }

        /** Whether this operation takes {@code field} and drops it unread. */
        public boolean ignores(String field) {
            return ignored.contains(field);
        }
    }

    private static final Set<String> KNOWN = new LinkedHashSet<>(Manifest.knownFields());

    private ManifestValidator() {
    }

    /**
     * Validates a CreateImage body. The owner defaults to {@code account}; when both are given they must match.
     * Returns the normalised manifest fields without uuid (the caller assigns one).
     */
    public static ObjectNode validateCreate(JsonNode body, String account) {
        ObjectNode in = requireObject(body);
        List<FieldError> errors = new ArrayList<>();
        ObjectNode out = checkFields(in, Operation.CREATE, errors);
        if (account != null) {
            JsonNode owner = out.get("owner");
            if (owner == null) {
                out.put("owner", account);
            } else if (!owner.asText().equals(account)) {
                errors.add(FieldError.invalid("owner", "owner must be the account the request is made for"));
            }
        }
        requireFields(out, errors, "owner", "name", "version", "type", "os");
        applyDefaults(out);
        crossFieldRules(out, in, errors);
        throwIfAny(errors);
        return out;
    }

    /** Validates an AdminImportImage body: uuid must be given and match the path; published_at is kept. */
    public static ObjectNode validateImport(JsonNode body, String pathUuid) {
        ObjectNode in = requireObject(body);
        List<FieldError> errors = new ArrayList<>();
        ObjectNode out = checkFields(in, Operation.IMPORT, errors);
        requireFields(out, errors, "uuid", "owner", "name", "version", "type", "os");
        JsonNode uuid = out.get("uuid");
        if (uuid != null && !uuid.asText().equals(pathUuid)) {
            errors.add(FieldError.invalid("uuid", "uuid in the body must equal the uuid in the path"));
        }
        applyDefaults(out);
        crossFieldRules(out, in, errors);
        throwIfAny(errors);
        return out;
    }

    /**
     * Validates an UpdateImage body against the current manifest and returns the updated fields. A field
     * set to null removes it, unless it is required.
     */
    public static ObjectNode validateUpdate(JsonNode body, Manifest current) {
        ObjectNode in = requireObject(body);
        List<FieldError> errors = new ArrayList<>();
        ObjectNode merged = current.fieldsCopy();
        Set<String> required = Set.of("name", "version", "type", "os", "public");
        Iterator<Map.Entry<String, JsonNode>> it = in.fields();
        ObjectNode patch = Json.object();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull() && Operation.UPDATE.accepts(e.getKey())) {
                if (required.contains(e.getKey())) {
                    errors.add(FieldError.invalid(e.getKey(), e.getKey() + " cannot be removed"));
                } else {
                    merged.remove(e.getKey());
                }
            } else {
                patch.set(e.getKey(), e.getValue());
            }
        }
        ObjectNode checked = checkFields(patch, Operation.UPDATE, errors);
        merged.setAll(checked);
        crossFieldRules(merged, in, errors);
        throwIfAny(errors);
        return merged;
    }

    /** Validates an acl add/remove body: a JSON array of account uuids. */
    public static List<String> validateAclBody(JsonNode body) {
        if (body == null || !body.isArray()) {
            throw ImgapiError.validation(List.of(FieldError.invalid("acl", "body must be an array of account uuids")))
                    .toException();
        }
        List<FieldError> errors = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            JsonNode n = body.get(i);
            if (!n.isTextual() || !UUID.matcher(n.asText()).matches()) {
                errors.add(FieldError.invalid("acl", "acl[" + i + "] is not a lowercase uuid"));
            } else {
                out.add(n.asText());
            }
        }
        if (out.isEmpty() && errors.isEmpty()) {
            errors.add(FieldError.missing("acl"));
        }
        throwIfAny(errors);
        return out;
    }

    private static ObjectNode requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ImgapiError(ErrorCode.INVALID_CONTENT, "request body must be a JSON object").toException();
        }
        return (ObjectNode) body;
    }

    private static void throwIfAny(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw ImgapiError.validation(errors).toException();
        }
    }

    private static void requireFields(ObjectNode out, List<FieldError> errors, String... names) {
        for (String n : names) {
            if (!out.has(n) && errors.stream().noneMatch(e -> e.field().equals(n))) {
                errors.add(FieldError.missing(n));
            }
        }
    }

    private static void applyDefaults(ObjectNode out) {
        if (!out.has("v")) {
            out.put("v", 2);
        }
        if (!out.has("disabled")) {
            out.put("disabled", false);
        }
        if (!out.has("public")) {
            out.put("public", false);
        }
    }

    /** Per-field shape checks; copies each valid field to the result, records every invalid one. */
    private static ObjectNode checkFields(ObjectNode in, Operation op, List<FieldError> errors) {
        ObjectNode out = Json.object();
        Iterator<Map.Entry<String, JsonNode>> it = in.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            JsonNode v = e.getValue();
            if (!KNOWN.contains(field)) {
                errors.add(FieldError.notAllowed(printable(field), "unsupported field"));
                continue;
            }
            if (op.ignores(field)) {
                continue;
            }
            if (!op.accepts(field)) {
                errors.add(FieldError.notAllowed(field, notAllowedReason(field, op)));
                continue;
            }
            int before = errors.size();
            JsonNode normalised = checkField(field, v, errors);
            if (errors.size() == before && normalised != null) {
                out.set(field, normalised);
            }
        }
        return out;
    }

    private static String notAllowedReason(String field, Operation op) {
        return switch (field) {
            case "state" -> "state is computed by the server and cannot be set";
            case "files" -> "files are added with AddImageFile";
            case "uuid" -> op == Operation.CREATE ? "uuid is assigned by the server (use import to keep one)"
                    : "uuid cannot be changed";
            case "owner" -> "owner cannot be changed";
            case "published_at" -> "published_at is set at activation";
            case "disabled" -> "use action=disable or action=enable";
            default -> field + " cannot be set by this request";
        };
    }

    private static JsonNode checkField(String field, JsonNode v, List<FieldError> errors) {
        switch (field) {
            case "v":
                if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() != 2) {
                    errors.add(FieldError.invalid(field, "v must be 2 (the manifest version)"));
                }
                return v;
            case "uuid":
            case "owner":
            case "origin":
                return uuid(field, v, errors);
            case "name":
                return pathSafe(field, v, NAME, MAX_NAME, errors);
            case "version":
                return pathSafe(field, v, VERSION, MAX_VERSION, errors);
            case "description":
                return string(field, v, MAX_DESCRIPTION, errors);
            case "homepage":
            case "eula":
                return url(field, v, errors);
            case "icon":
                return icon(v, errors);
            case "disabled":
            case "public":
            case "generate_passwords":
                if (!v.isBoolean()) {
                    errors.add(FieldError.invalid(field, field + " must be a boolean"));
                }
                return v;
            case "published_at":
                return publishedAt(field, v, errors);
            case "type":
                return wireEnum(field, v, ImageType.class, errors);
            case "os":
                return wireEnum(field, v, ImageOs.class, errors);
            case "acl":
                return acl(v, errors);
            case "requirements":
                return requirements(v, errors);
            case "users":
                return users(v, errors);
            case "billing_tags":
                return stringArray(field, v, MAX_BILLING_TAG, null, errors);
            case "traits":
                return traits(v, errors);
            case "tags":
                return tags(v, errors);
            case "inherited_directories":
                return stringArray(field, v, MAX_SHORT_STRING, null, errors);
            case "channels":
                return stringArray(field, v, 128, CHANNEL, errors);
            case "nic_driver":
            case "disk_driver":
            case "cpu_type":
                return string(field, v, 64, errors, true);
            case "image_size":
                if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() <= 0) {
                    errors.add(FieldError.invalid(field, "image_size must be a positive integer (MiB)"));
                }
                return v;
            default:
                errors.add(FieldError.notAllowed(field, "unsupported field"));
                return null;
        }
    }

    private static void crossFieldRules(ObjectNode m, ObjectNode in, List<FieldError> errors) {
        ImageType type = WireEnum.parse(ImageType.class, m.path("type").asText(null));
        if (type == ImageType.ZVOL) {
            for (String f : ZVOL_FIELDS) {
                if (!m.has(f) && errors.stream().noneMatch(e -> e.field().equals(f))) {
                    errors.add(new FieldError(f, FieldError.Code.MissingParameter, f + " is required for zvol images"));
                }
            }
        } else if (type != null) {
            for (String f : ZVOL_FIELDS) {
                if (m.has(f)) {
                    errors.add(FieldError.notAllowed(f, f + " is only allowed for zvol images"));
                }
            }
        }
        if (type != null && type != ImageType.ZONE_DATASET && m.has("inherited_directories")) {
            errors.add(FieldError.notAllowed("inherited_directories",
                    "inherited_directories is only allowed for zone-dataset images"));
        }
        JsonNode req = m.get("requirements");
        if (req != null && req.isObject()) {
            JsonNode bootrom = req.get("bootrom");
            if (bootrom != null && !"bhyve".equals(req.path("brand").asText(null))) {
                errors.add(FieldError.invalid("requirements.bootrom", "bootrom is only allowed when requirements.brand is bhyve"));
            }
            JsonNode min = req.get("min_ram");
            JsonNode max = req.get("max_ram");
            if (min != null && max != null && min.isIntegralNumber() && max.isIntegralNumber() && min.asLong() > max.asLong()) {
                errors.add(FieldError.invalid("requirements.min_ram", "min_ram must not exceed max_ram"));
            }
        }
    }

    private static JsonNode uuid(String field, JsonNode v, List<FieldError> errors) {
        if (!v.isTextual() || !UUID.matcher(v.asText()).matches()) {
            errors.add(FieldError.invalid(field, field + " must be a lowercase uuid"));
        }
        return v;
    }

    private static JsonNode string(String field, JsonNode v, int max, List<FieldError> errors) {
        return string(field, v, max, errors, false);
    }

    private static JsonNode string(String field, JsonNode v, int max, List<FieldError> errors, boolean nonEmpty) {
        if (!v.isTextual()) {
            errors.add(FieldError.invalid(field, field + " must be a string"));
        } else if (v.asText().length() > max) {
            errors.add(FieldError.invalid(field, field + " must be at most " + max + " characters"));
        } else if (nonEmpty && v.asText().isEmpty()) {
            errors.add(FieldError.invalid(field, field + " must not be empty"));
        } else if (v.asText().indexOf('\0') >= 0) {
            errors.add(FieldError.invalid(field, field + " must not contain NUL characters"));
        }
        return v;
    }

    /**
     * Name and version: IMGAPI's character class and length, plus no {@code .} or {@code ..} path segment,
     * since tools build paths and URLs from them.
     */
    private static JsonNode pathSafe(String field, JsonNode v, Pattern pattern, int max, List<FieldError> errors) {
        if (!v.isTextual()) {
            errors.add(FieldError.invalid(field, field + " must be a string"));
            return v;
        }
        String s = v.asText();
        if (s.isEmpty()) {
            errors.add(FieldError.invalid(field, field + " must not be empty"));
        } else if (s.length() > max) {
            errors.add(FieldError.invalid(field, field + " must be at most " + max + " characters"));
        } else if (!pattern.matcher(s).matches()) {
            errors.add(FieldError.invalid(field, field + " may only contain the characters " + describe(pattern)));
        } else {
            for (String segment : s.split("/", -1)) {
                if (segment.equals("..") || segment.equals(".")) {
                    errors.add(FieldError.invalid(field, field + " must not contain '.' or '..' path segments"));
                    break;
                }
            }
        }
        return v;
    }

    private static String describe(Pattern p) {
        return p == NAME ? "A-Z a-z 0-9 . _ / - and space" : "A-Z a-z 0-9 . _ / + -";
    }

    private static JsonNode url(String field, JsonNode v, List<FieldError> errors) {
        if (!v.isTextual()) {
            errors.add(FieldError.invalid(field, field + " must be a string"));
            return v;
        }
        String s = v.asText();
        if (s.length() > MAX_URL) {
            errors.add(FieldError.invalid(field, field + " must be at most " + MAX_URL + " characters"));
            return v;
        }
        try {
            URI uri = new URI(s);
            String scheme = uri.getScheme();
            // A host as in the authority: java.net.URI leaves getHost() null for names it cannot parse as a
            // server (an internationalised name, an underscore), which IMGAPI and browsers take.
            String authority = uri.getRawAuthority();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || authority == null || authority.isEmpty()) {
                errors.add(FieldError.invalid(field, field + " must be an http or https URL"));
            }
        } catch (URISyntaxException e) {
            errors.add(FieldError.invalid(field, field + " must be an http or https URL"));
        }
        return v;
    }

    /**
     * An imported {@code icon}: {@code false} is accepted and dropped (there is no icon); {@code true} is refused,
     * as IMGAPI refuses it (its stored icon is the uploaded icon's metadata, added with AddImageIcon) and imgfed
     * keeps no icons, so it would announce an icon nobody can fetch.
     */
    private static JsonNode icon(JsonNode v, List<FieldError> errors) {
        if (!v.isBoolean()) {
            errors.add(FieldError.invalid("icon", "icon must be a boolean"));
        } else if (v.booleanValue()) {
            errors.add(FieldError.invalid("icon", "icon cannot be imported: image icons are not supported"));
        }
        return null;
    }

    private static JsonNode publishedAt(String field, JsonNode v, List<FieldError> errors) {
        if (!v.isTextual() || !PUBLISHED_AT.matcher(v.asText()).matches()) {
            errors.add(FieldError.invalid(field, "published_at must be an ISO-8601 UTC timestamp like 2026-01-02T03:04:05.678Z"));
            return v;
        }
        String s = v.asText();
        if (!realTime(s)) {
            errors.add(FieldError.invalid(field, "published_at is not a real date and time"));
            return v;
        }
        // Normalise to millisecond precision so that sorting by string equals sorting by time.
        return Json.object().textNode(s.length() == 20 ? s.substring(0, 19) + ".000Z" : s);
    }

    /**
     * Whether a timestamp matching {@link #PUBLISHED_AT} names a real instant in canonical form: no 24:00 and no
     * leap second 60, which would store one instant under two spellings and break ordering by string.
     */
    public static boolean realTime(String s) {
        try {
            DateTimeFormatter.ISO_INSTANT.parse(s);
        } catch (DateTimeParseException e) {
            return false;
        }
        return Integer.parseInt(s.substring(11, 13)) < 24 && Integer.parseInt(s.substring(17, 19)) < 60;
    }

    private static <E extends Enum<E> & WireEnum> JsonNode wireEnum(String field, JsonNode v, Class<E> type,
            List<FieldError> errors) {
        if (!v.isTextual() || WireEnum.parse(type, v.asText()) == null) {
            errors.add(FieldError.invalid(field, field + " must be one of: " + WireEnum.names(type)));
        }
        return v;
    }

    private static JsonNode acl(JsonNode v, List<FieldError> errors) {
        if (!v.isArray()) {
            errors.add(FieldError.invalid("acl", "acl must be an array of account uuids"));
            return v;
        }
        if (v.size() > MAX_ACL) {
            errors.add(FieldError.invalid("acl", "acl may list at most " + MAX_ACL + " accounts"));
            return v;
        }
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode n : v) {
            if (!n.isTextual() || !UUID.matcher(n.asText()).matches()) {
                errors.add(FieldError.invalid("acl", "every acl entry must be a lowercase uuid"));
                return v;
            }
            seen.add(n.asText());
        }
        ArrayNode out = Json.array();
        seen.forEach(out::add);
        return out;
    }

    private static JsonNode stringArray(String field, JsonNode v, int maxEach, Pattern pattern, List<FieldError> errors) {
        if (!v.isArray()) {
            errors.add(FieldError.invalid(field, field + " must be an array of strings"));
            return v;
        }
        for (JsonNode n : v) {
            if (!n.isTextual() || n.asText().isEmpty() || n.asText().length() > maxEach
                    || (pattern != null && !pattern.matcher(n.asText()).matches()) || n.asText().indexOf('\0') >= 0) {
                errors.add(FieldError.invalid(field, field + " entries must be non-empty strings of at most " + maxEach
                        + " characters" + (pattern != null ? " matching " + pattern.pattern() : "")));
                return v;
            }
        }
        return v;
    }

    private static JsonNode users(JsonNode v, List<FieldError> errors) {
        if (!v.isArray()) {
            errors.add(FieldError.invalid("users", "users must be an array of {\"name\": ...} objects"));
            return v;
        }
        for (JsonNode u : v) {
            if (!u.isObject() || u.size() != 1 || !u.path("name").isTextual() || u.path("name").asText().isEmpty()
                    || u.path("name").asText().length() > MAX_SHORT_STRING) {
                errors.add(FieldError.invalid("users", "users must be an array of {\"name\": ...} objects"));
                return v;
            }
        }
        return v;
    }

    private static JsonNode traits(JsonNode v, List<FieldError> errors) {
        if (!v.isObject()) {
            errors.add(FieldError.invalid("traits", "traits must be an object"));
            return v;
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode t = e.getValue();
            boolean ok = t.isBoolean() || t.isTextual();
            if (t.isArray()) {
                ok = true;
                for (JsonNode n : t) {
                    ok &= n.isTextual();
                }
            }
            if (!ok) {
                errors.add(FieldError.invalid("traits", "trait " + printable(e.getKey())
                        + " must be a boolean, a string or an array of strings"));
                return v;
            }
        }
        return v;
    }

    private static JsonNode tags(JsonNode v, List<FieldError> errors) {
        if (!v.isObject()) {
            errors.add(FieldError.invalid("tags", "tags must be an object"));
            return v;
        }
        if (Json.bytes(v).length > MAX_TAGS_JSON) {
            errors.add(FieldError.invalid("tags", "tags must be at most " + MAX_TAGS_JSON + " bytes of JSON"));
            return v;
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().isEmpty()) {
                errors.add(FieldError.invalid("tags", "tag keys must be non-empty"));
                return v;
            }
            // Any JSON value, as in IMGAPI, whose search index reduces a value that is not a string, number
            // or boolean to "" (tag.KEY= finds it); Manifest.tagValue does the same.
            if (!finite(e.getValue())) {
                // 1e400 parses to Infinity, which JSON cannot hold: it would be stored as the string "Infinity".
                errors.add(FieldError.invalid("tags", "tag " + printable(e.getKey()) + " holds a number out of range"));
                return v;
            }
        }
        return v;
    }

    /** Whether every number in {@code v}, at any depth, is finite. */
    private static boolean finite(JsonNode v) {
        if (v.isFloatingPointNumber()) {
            return Double.isFinite(v.doubleValue());
        }
        for (JsonNode child : v) {
            if (!finite(child)) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode requirements(JsonNode v, List<FieldError> errors) {
        if (!v.isObject()) {
            errors.add(FieldError.invalid("requirements", "requirements must be an object"));
            return v;
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String field = "requirements." + printable(key);
            JsonNode r = e.getValue();
            if (!REQUIREMENT_KEYS.contains(key)) {
                errors.add(FieldError.notAllowed(field, "unsupported requirement"));
                continue;
            }
            switch (key) {
                case "networks" -> {
                    boolean ok = r.isArray();
                    if (ok) {
                        for (JsonNode n : r) {
                            ok &= n.isObject() && n.path("name").isTextual() && n.path("description").isTextual()
                                    && n.size() == 2;
                        }
                    }
                    if (!ok) {
                        errors.add(FieldError.invalid(field, "networks must be an array of {name, description} objects"));
                    }
                }
                case "brand" -> string(field, r, 64, errors, true);
                case "ssh_key" -> {
                    if (!r.isBoolean()) {
                        errors.add(FieldError.invalid(field, "ssh_key must be a boolean"));
                    }
                }
                case "min_ram", "max_ram" -> {
                    if (!r.isIntegralNumber() || !r.canConvertToLong() || r.asLong() <= 0) {
                        errors.add(FieldError.invalid(field, key + " must be a positive integer (MiB)"));
                    }
                }
                case "min_platform", "max_platform" -> {
                    boolean ok = r.isObject() && r.size() > 0;
                    if (ok) {
                        Iterator<Map.Entry<String, JsonNode>> p = r.fields();
                        while (p.hasNext()) {
                            Map.Entry<String, JsonNode> pe = p.next();
                            ok &= PLATFORM_KEY.matcher(pe.getKey()).matches() && pe.getValue().isTextual()
                                    && platformStamp(pe.getValue().asText());
                        }
                    }
                    if (!ok) {
                        errors.add(FieldError.invalid(field, key
                                + " must be a non-empty object mapping a version like \"7.0\" to a timestamp like \"20130101T000000Z\""));
                    }
                }
                case "bootrom" -> {
                    if (!r.isTextual() || !(r.asText().equals("bios") || r.asText().equals("uefi"))) {
                        errors.add(FieldError.invalid(field, "bootrom must be bios or uefi"));
                    }
                }
                default -> errors.add(FieldError.notAllowed(field, "unsupported requirement"));
            }
        }
        return v;
    }

    /**
     * A platform build stamp {@code YYYYMMDDTHHMMSSZ} with IMGAPI's ranges (imgmanifest's validPlatformVersion):
     * year from 2012, month 1-12, day 1-31, hour 0-23, minute and second 0-59.
     */
    static boolean platformStamp(String s) {
        if (!PLATFORM_STAMP.matcher(s).matches()) {
            return false;
        }
        int year = Integer.parseInt(s.substring(0, 4));
        int month = Integer.parseInt(s.substring(4, 6));
        int day = Integer.parseInt(s.substring(6, 8));
        int hour = Integer.parseInt(s.substring(9, 11));
        int minute = Integer.parseInt(s.substring(11, 13));
        int second = Integer.parseInt(s.substring(13, 15));
        return year >= 2012 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59
                && second <= 59;
    }

    /** A field name safe to echo back: control characters escaped, length capped. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 128; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > 128) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** The UTF-8 size of a string, for limits stated in bytes. */
    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
