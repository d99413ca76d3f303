package io.imgfed.protocol.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ManifestValidator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Where imgfed and IMGAPI (imgmanifest behind IMGAPI's request handling) knowingly judge a manifest differently.
 * Each difference names the side that refuses, the comparisons it applies to, the fields that side reports, and
 * the values it covers, as narrowly as the reason allows; a disagreement is excused only when every field error
 * of the refusing side is covered. Every difference must still occur in the generated cases, so one that a fix
 * made obsolete fails the test until it is removed here.
 *
 * <p>Most are IMGAPI accepting by accident of JavaScript: request fields tested for truthiness (so "", 0, false
 * and null mean "absent"), values coerced by {@code Number()}, {@code String()} or {@code typeof x === 'object'},
 * and booleans spelled as strings because IMGAPI's first database (UFDS) stored them so. IMGAPI's docs give each
 * field one JSON type; imgfed takes that type and answers anything else with a 422 naming the field. The rest are
 * limits imgfed adds on purpose (in ManifestValidator) and the fields each side has that the other does not.
 */
final class KnownDifferences {

    /** What is compared: a CreateImage body, an AdminImportImage body, or a manifest imgfed serves. */
    enum Check { CREATE, IMPORT, SERVED }

    /** The side that refuses what the other accepts. */
    enum Side { IMGFED, IMGAPI }

    /** {@code when} sees the value of the reported field and the whole body. */
    record Difference(String name, Side refuses, Set<Check> checks, Set<String> fields,
            BiPredicate<JsonNode, JsonNode> when) {

        /** Whether this difference explains {@code refuses} reporting {@code field} for {@code body} in {@code check}. */
        boolean covers(Check check, Side side, String field, JsonNode body) {
            return side == refuses && checks.contains(check) && fields.contains(field) && when.test(valueAt(body, field), body);
        }
    }

    private static final Set<Check> REQUESTS = EnumSet.of(Check.CREATE, Check.IMPORT);
    private static final Pattern NUMBER = Pattern.compile("^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$");

    static final List<Difference> ALL = List.of(
            // IMGAPI's Image.create copies description/homepage/eula/icon only `if (data.x)`, reads
            // `data.public || false`, ignores a falsy published_at, validateAndNormalize passes billing_tags on
            // only `if (raw.billing_tags)`, and apiCreateImage sets the owner from ?account= `if (!data.owner)`;
            // imgmanifest checks requirements keys only `if (reqs.x)`. So "", 0, false and null pass as "not
            // given". imgfed takes false where the field is a boolean and refuses the other wrong types.
            refuses(Side.IMGFED, REQUESTS, "falsy value taken as absent by IMGAPI",
                    Set.of("description", "homepage", "eula", "icon", "public", "disabled", "published_at", "owner",
                            "billing_tags",
                            "requirements.networks", "requirements.brand", "requirements.ssh_key",
                            "requirements.min_ram", "requirements.max_ram", "requirements.min_platform",
                            "requirements.max_platform", "requirements.bootrom"),
                    (v, b) -> falsy(v)),
            // imgmanifest tests NAME_RE/VERSION_RE against String(value) and compares value.length (undefined
            // for a number) with the limit, so 5, true and ["x"] are a valid name; description has no type check.
            refuses(Side.IMGFED, REQUESTS, "non-string coerced by String() in imgmanifest",
                    Set.of("name", "version", "description"), (v, b) -> !v.isTextual() && !v.isNull()),
            // imgmanifest takes any v with Number(v) >= 0 (and upgrades v1); imgfed implements manifest v2 only.
            refuses(Side.IMGFED, REQUESTS, "manifest version other than 2", Set.of("v"),
                    (v, b) -> !(v.isIntegralNumber() && v.asInt() == 2)),
            // boolFromString: "true" and "false" are how UFDS stored booleans; the API documents JSON booleans.
            refuses(Side.IMGFED, REQUESTS, "boolean spelled as a string",
                    Set.of("public", "disabled", "generate_passwords", "icon"),
                    (v, b) -> v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))),
            // validateAndNormalize wraps a single string in an array (UFDS single-valued attributes).
            refuses(Side.IMGFED, REQUESTS, "single string taken as a one-element list", Set.of("acl", "billing_tags"),
                    (v, b) -> v.isTextual()),
            // image_size goes through Number() and a `% 1 === 0` test: "5", true, null, [] and -1 pass.
            refuses(Side.IMGFED, REQUESTS, "image_size coerced by Number()", Set.of("image_size"),
                    (v, b) -> isInteger(jsNumber(v))),
            // isPositiveInteger checks only `n % 1 === 0`: -1 and 1e20 pass; imgfed wants 1..Long.MAX_VALUE.
            refuses(Side.IMGFED, REQUESTS, "RAM that is not a positive integer",
                    Set.of("requirements.min_ram", "requirements.max_ram"),
                    (v, b) -> v.isNumber() && isInteger(v.doubleValue())),
            // objCopy(requirements) copies the keys of whatever it gets: "", 0, true and [] become {}.
            refuses(Side.IMGFED, REQUESTS, "requirements that are not an object", Set.of("requirements"),
                    (v, b) -> !v.isObject() && !v.isNull()),
            refuses(Side.IMGFED, REQUESTS, "traits as an array (typeof [] is 'object')", Set.of("traits"),
                    (v, b) -> v.isArray()),
            // imgmanifest takes any array as a trait value; imgfed wants the lists of strings that placement
            // (DAPI) compares with server traits.
            refuses(Side.IMGFED, REQUESTS, "trait list holding other than strings", Set.of("traits"),
                    (v, b) -> v.isObject() && every(v, t -> t.isTextual() || t.isBoolean() || t.isArray())),
            // imgmanifest checks that a user has exactly the key name, and a network exactly name and
            // description, not what they hold; imgfed wants strings.
            refuses(Side.IMGFED, REQUESTS, "user name, network name or description not a string",
                    Set.of("users", "requirements.networks"),
                    (v, b) -> v.isArray() && every(v, n -> n.isObject()
                            && (n.size() == 1 && n.has("name") || n.size() == 2 && n.has("name") && n.has("description")))),
            // validPlatformVersion compares Number(substr) with ranges, so NaN digits pass; the keys are not
            // looked at (an array passes as an object). imgfed wants digits and keys like "7.0" (an SDC version).
            refuses(Side.IMGFED, REQUESTS, "platform stamp or key imgmanifest does not look at",
                    Set.of("requirements.min_platform", "requirements.max_platform"),
                    (v, b) -> v.isContainerNode() && v.size() > 0 && every(v, s -> s.isTextual() && s.asText().length() == 16
                            && s.asText().charAt(8) == 'T' && s.asText().charAt(15) == 'Z')),
            // imgfed's own bounds on strings IMGAPI leaves unbounded (ManifestValidator: drivers and brand at
            // most 64 and not empty, user names and inherited directories at most 1024 and not empty, no empty
            // billing tag, at most 1024 acl entries).
            refuses(Side.IMGFED, REQUESTS, "imgfed's length bounds",
                    Set.of("nic_driver", "disk_driver", "cpu_type", "requirements.brand", "users",
                            "inherited_directories", "billing_tags", "acl"),
                    (v, b) -> outOfImgfedBounds(v)),
            // ManifestValidator refuses NUL in strings: it ends C strings in the tools that read manifests.
            refuses(Side.IMGFED, REQUESTS, "NUL character",
                    Set.of("description", "homepage", "eula", "billing_tags", "inherited_directories", "nic_driver",
                            "disk_driver", "cpu_type", "requirements.brand", "users"),
                    (v, b) -> v.toString().contains("\\u0000")),
            // ManifestValidator counts the tags limit in UTF-8 bytes of JSON (IMGAPI in characters), and wants
            // non-empty keys, which tag.KEY=VALUE queries can name.
            refuses(Side.IMGFED, REQUESTS, "tags over 100 KiB of UTF-8, or an empty tag key", Set.of("tags"),
                    (v, b) -> v.isObject() && (v.has("")
                            || Json.bytes(v).length > ManifestValidator.MAX_TAGS_JSON
                            && v.toString().length() <= ManifestValidator.MAX_TAGS_JSON)),
            // ManifestValidator: tools build paths and URLs from name and version.
            refuses(Side.IMGFED, REQUESTS, "'.' or '..' path segment in name or version", Set.of("name", "version"),
                    (v, b) -> v.isTextual() && List.of(v.asText().split("/", -1)).stream()
                            .anyMatch(s -> s.equals(".") || s.equals(".."))),
            // ManifestValidator.realTime: one instant, one spelling, so published_at sorts as text.
            refuses(Side.IMGFED, REQUESTS, "published_at that is no real date and time", Set.of("published_at"),
                    (v, b) -> v.isTextual() && ManifestValidator.PUBLISHED_AT.matcher(v.asText()).matches()),
            // imgmanifest checks only url.parse(x).protocol; imgfed wants a well-formed URI (RFC 3986 characters,
            // whole percent escapes) with a host.
            refuses(Side.IMGFED, REQUESTS, "http(s) URL that is malformed or has no host", Set.of("homepage", "eula"),
                    (v, b) -> v.isTextual() && httpScheme(v.asText()) && malformedOrHostless(v.asText())),
            // A datacenter-mode IMGAPI drops body channels (it sets them from ?channel= only where channels are
            // configured, and its validateDcManifest refuses them); imgfed keeps and checks them.
            refuses(Side.IMGFED, REQUESTS, "channels, imgfed's own in datacenter mode", Set.of("channels"),
                    (v, b) -> true),
            refuses(Side.IMGAPI, EnumSet.of(Check.SERVED), "channels, imgfed's own in datacenter mode",
                    Set.of("channels"), (v, b) -> true),
            // error describes a failed image creation; imgfed has no failed images to import or create.
            refuses(Side.IMGFED, REQUESTS, "error (imgfed has no failed images)", Set.of("error"), (v, b) -> true),
            // urn is a deprecated v1 field IMGAPI still keeps on import; imgfed does not carry it.
            refuses(Side.IMGFED, EnumSet.of(Check.IMPORT), "urn (deprecated v1 field)", Set.of("urn"), (v, b) -> true),
            // IMGAPI drops files from a CreateImage body unread; imgfed says a file comes with AddImageFile
            // rather than silently ignoring one. (An import ignores files and state, as IMGAPI does.)
            refuses(Side.IMGFED, EnumSet.of(Check.CREATE), "files in a CreateImage body", Set.of("files"),
                    (v, b) -> true),
            // IMGAPI requires v in an imported manifest; imgfed defaults it to 2, as for a created one. Every
            // manifest IMGAPI serves has v, and 2 is the only one imgfed takes, so the default loses nothing.
            refuses(Side.IMGAPI, EnumSet.of(Check.IMPORT), "v missing from an import", Set.of("v"),
                    (v, b) -> v.isMissingNode()));

    private KnownDifferences() {
    }

    private static Difference refuses(Side side, Set<Check> checks, String name, Set<String> fields,
            BiPredicate<JsonNode, JsonNode> when) {
        return new Difference(name, side, checks, fields, when);
    }

    /** The body's value for a reported field: {@code requirements.x} looks inside requirements. */
    static JsonNode valueAt(JsonNode body, String field) {
        if (field.startsWith("requirements.")) {
            return body.path("requirements").path(field.substring("requirements.".length()));
        }
        return body.path(field);
    }

    /** JavaScript's falsy JSON values: "", 0, false, null. */
    static boolean falsy(JsonNode v) {
        return v.isNull() || (v.isBoolean() && !v.booleanValue()) || (v.isTextual() && v.asText().isEmpty())
                || (v.isNumber() && v.doubleValue() == 0);
    }

    /** JavaScript's Number(v) for a JSON value (NaN where it gives NaN). */
    static double jsNumber(JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue() ? 1 : 0;
        }
        if (v.isNull()) {
            return 0;
        }
        if (v.isTextual()) {
            String s = v.asText().strip();
            return s.isEmpty() ? 0 : NUMBER.matcher(s).matches() ? Double.parseDouble(s) : Double.NaN;
        }
        if (v.isArray()) {
            // Number([x]) is Number(String(x)), and String([null]) is "".
            if (v.isEmpty()) {
                return 0;
            }
            JsonNode only = v.get(0);
            return v.size() == 1 && !only.isContainerNode()
                    ? jsNumber(TextNode.valueOf(only.isNull() ? "" : only.asText())) : Double.NaN;
        }
        return Double.NaN;
    }

    private static boolean isInteger(double d) {
        return Double.isFinite(d) && d % 1 == 0;
    }

    private static boolean every(JsonNode container, Predicate<JsonNode> test) {
        for (JsonNode n : container) {
            if (!test.test(n)) {
                return false;
            }
        }
        return true;
    }

    private static boolean outOfImgfedBounds(JsonNode v) {
        if (v.isTextual()) {
            return v.asText().isEmpty() || v.asText().length() > 64;
        }
        if (v.isArray()) {
            if (v.size() > ManifestValidator.MAX_ACL) {
                return true;
            }
            for (JsonNode n : v) {
                String s = n.isObject() ? n.path("name").asText("") : n.asText("");
                if (s.isEmpty() || s.length() > 1024) {
                    return true;
                }
            }
        }
        return false;
    }

    private static final Pattern HOST_PART = Pattern.compile("(?i)^https?://[^/?#]+([/?#].*)?$", Pattern.DOTALL);
    private static final Pattern BAD_PERCENT = Pattern.compile("%(?![0-9A-Fa-f]{2})");

    /**
     * No authority after the scheme, a character RFC 3986 never allows unescaped (controls, spaces of any
     * kind, and " < > \ ^ ` { | }), brackets outside the host, or a broken percent escape.
     */
    private static boolean malformedOrHostless(String s) {
        if (!HOST_PART.matcher(s).matches() || BAD_PERCENT.matcher(s).find()) {
            return true;
        }
        String afterHost = s.substring(s.indexOf("//") + 2).replaceFirst("^[^/?#]*", "");
        if (afterHost.indexOf('[') >= 0 || afterHost.indexOf(']') >= 0) {
            return true;
        }
        return s.chars().anyMatch(c -> c <= 0x20 || Character.isISOControl(c) || Character.isSpaceChar(c)
                || "\"<>\\^`{|}".indexOf(c) >= 0);
    }

    /** Whether url.parse would find an http or https protocol (it trims surrounding whitespace first). */
    private static boolean httpScheme(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        return t.startsWith("http:") || t.startsWith("https:");
    }
}
