package io.imgfed.replicator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.imgfed.replicator.config.ImgfedConfig.Auth;
import io.imgfed.replicator.config.ImgfedConfig.AuthMode;
import io.imgfed.replicator.config.ImgfedConfig.Billing;
import io.imgfed.replicator.config.ImgfedConfig.Data;
import io.imgfed.replicator.config.ImgfedConfig.Federation;
import io.imgfed.replicator.config.ImgfedConfig.Kafka;
import io.imgfed.replicator.config.ImgfedConfig.Listener;
import io.imgfed.replicator.config.ImgfedConfig.Retry;
import io.imgfed.replicator.config.ImgfedConfig.Tls;
import io.imgfed.replicator.config.ImgfedConfig.Transfer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration (or the embedded default when there is none), applies {@code IMGFED_<PATH>}
 * environment overrides, and binds it to an {@link ImgfedConfig}. Every key is checked; the first problem
 * is reported as a {@link ConfigException} naming its key.
 */
public final class ConfigLoader {

    public static final Pattern DC_NAME = Pattern.compile("^[a-z0-9-]{1,63}$");
    private static final Pattern HOST_PORT = Pattern.compile("^[A-Za-z0-9.\\-]+:\\d{1,5}$|^\\[[0-9a-fA-F:]+\\]:\\d{1,5}$");
    /** Environment variables the launcher and the log setup read (see LogSetup); they are not configuration keys. */
    private static final Set<String> LAUNCHER_ENV = Set.of("IMGFED_JAVA_OPTS", "IMGFED_HOME", "IMGFED_BUILD",
            "IMGFED_LOG_FORMAT");

    /** Every leaf key, in the spelling of the YAML; env names are these upper-cased with '.' as '_'. */
    static final List<String> KEYS = List.of(
            "dc",
            "data.dir", "data.capacity", "data.pinHome",
            "http.host", "http.port", "http.tls.cert", "http.tls.key", "http.tls.ca", "http.advertise",
            "http.idleTimeout", "http.maxBody", "http.headerTimeout",
            "peer.host", "peer.port", "peer.tls.cert", "peer.tls.key", "peer.tls.ca", "peer.advertise",
            "peer.idleTimeout", "peer.maxBody", "peer.headerTimeout",
            "federation.cluster", "federation.host", "federation.port", "federation.advertise", "federation.members",
            "federation.costs", "federation.dcs",
            "federation.trust", "federation.signingKey", "federation.heartbeat", "federation.suspectAfter",
            "federation.goneAfter",
            "transfer.maxConcurrent", "transfer.retry.initial", "transfer.retry.max", "transfer.retry.attempts",
            "transfer.rateLimit", "transfer.stallTimeout",
            "billing.kafka.bootstrap", "billing.kafka.topic", "billing.outbox", "billing.outboxAlarm",
            "auth.mode", "auth.keys", "auth.tokens", "auth.operators", "auth.allowInsecure", "auth.clockSkew",
            "auth.dateOnlySignatures",
            "oci.gcGrace", "oci.gcInterval", "oci.upstreams", "oci.defaultUpstream", "oci.revalidate",
            "oci.upstreamFailures", "oci.owners");
    /** An upstream's id: one repository-name component, as clients put it first in the path. */
    private static final Pattern UPSTREAM_ID = Pattern.compile("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$");

    private static final YAMLMapper YAML = new YAMLMapper();

    private ConfigLoader() {
    }

    /** Loads {@code file} (or the embedded default when null) with the process environment applied. */
    public static ImgfedConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static ImgfedConfig load(Path file, Map<String, String> env) {
        ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : readFile(file);
        applyEnv(tree, env);
        return bind(tree);
    }

    /** Binds an already-parsed tree; used by tests and the demo, which build their configs in code. */
    public static ImgfedConfig fromTree(JsonNode tree) {
        if (!tree.isObject()) {
            throw new ConfigException(null, "the configuration must be a YAML mapping");
        }
        return bind((ObjectNode) tree.deepCopy());
    }

    public static ImgfedConfig fromYaml(String yaml) {
        try {
            JsonNode tree = YAML.readTree(yaml);
            return fromTree(tree == null || tree.isMissingNode() ? JsonNodeFactory.instance.objectNode() : tree);
        } catch (JsonProcessingException e) {
            throw new ConfigException(null, "not valid YAML: " + e.getOriginalMessage());
        }
    }

    private static ObjectNode readFile(Path file) {
        try {
            JsonNode tree = YAML.readTree(Files.readString(file));
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!tree.isObject()) {
                throw new ConfigException(null, file + " must contain a YAML mapping");
            }
            return (ObjectNode) tree;
        } catch (NoSuchFileException e) {
            throw new ConfigException(null, "config file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException(null, file + " is not valid YAML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(null, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void applyEnv(ObjectNode tree, Map<String, String> env) {
        Map<String, String> byEnvName = new LinkedHashMap<>();
        for (String key : KEYS) {
            byEnvName.put("IMGFED_" + key.replace('.', '_').toUpperCase(Locale.ROOT), key);
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("IMGFED_") || LAUNCHER_ENV.contains(name)) {
                continue;
            }
            String key = byEnvName.get(name);
            if (key == null) {
                throw new ConfigException(name, "unknown configuration variable (known: IMGFED_DC, IMGFED_HTTP_PORT, ...; see README)");
            }
            ObjectNode parent = tree;
            String[] parts = key.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = parent.get(parts[i]);
                if (!(child instanceof ObjectNode)) {
                    child = parent.putObject(parts[i]);
                }
                parent = (ObjectNode) child;
            }
            parent.set(parts[parts.length - 1], envValue(key, e.getValue()));
        }
    }

    private static JsonNode envValue(String key, String raw) {
        boolean isList = key.equals("federation.members") || key.equals("federation.dcs") || key.equals("auth.operators");
        if (isList && !raw.trim().startsWith("[")) {
            var arr = JsonNodeFactory.instance.arrayNode();
            for (String s : raw.split(",")) {
                if (!s.isBlank()) {
                    arr.add(s.trim());
                }
            }
            return arr;
        }
        try {
            JsonNode n = YAML.readTree(raw);
            return n == null || n.isMissingNode() ? JsonNodeFactory.instance.textNode(raw) : n;
        } catch (JsonProcessingException e) {
            return JsonNodeFactory.instance.textNode(raw);
        }
    }

    private static ImgfedConfig bind(ObjectNode tree) {
        ConfigReader root = new ConfigReader("", tree);
        String dc = root.string("dc", "local");
        if (!DC_NAME.matcher(dc).matches()) {
            throw new ConfigException("dc", "must match [a-z0-9-]{1,63} (got \"" + dc + "\")");
        }

        ConfigReader d = root.section("data");
        Path dataDir = d.path("dir", Path.of("./data"));
        Data data = new Data(dataDir, d.size("capacity", 500L << 30), d.bool("pinHome", true));

        Listener http = listener(root.section("http"), 8080, false);
        Listener peer = listener(root.section("peer"), 8443, true);

        ConfigReader f = root.section("federation");
        List<String> members = f.stringList("members", List.of());
        for (int i = 0; i < members.size(); i++) {
            if (!HOST_PORT.matcher(members.get(i)).matches()) {
                throw new ConfigException("federation.members[" + i + "]", "must be host:port (got \"" + members.get(i) + "\")");
            }
        }
        Map<String, Double> costs = f.numberMap("costs");
        for (String name : costs.keySet()) {
            if (!DC_NAME.matcher(name).matches()) {
                throw new ConfigException("federation.costs." + name, "is not a valid DC name");
            }
            if (costs.get(name) < 0) {
                throw new ConfigException("federation.costs." + name, "must not be negative");
            }
        }
        List<String> dcs = f.stringList("dcs", List.of());
        for (int i = 0; i < dcs.size(); i++) {
            if (!DC_NAME.matcher(dcs.get(i)).matches()) {
                throw new ConfigException("federation.dcs[" + i + "]", "must be a DC name, [a-z0-9-]{1,63} (got \""
                        + dcs.get(i) + "\")");
            }
        }
        String fedAdvertise = f.string("advertise", null);
        if (fedAdvertise != null && !HOST_PORT.matcher(fedAdvertise).matches()) {
            throw new ConfigException("federation.advertise", "must be host:port (got \"" + fedAdvertise + "\")");
        }
        Duration heartbeat = f.duration("heartbeat", Duration.ofSeconds(1));
        Duration suspect = f.duration("suspectAfter", Duration.ofSeconds(3));
        Duration gone = f.duration("goneAfter", Duration.ofSeconds(10));
        if (suspect.compareTo(heartbeat) <= 0) {
            throw new ConfigException("federation.suspectAfter", "must be longer than federation.heartbeat");
        }
        if (gone.compareTo(suspect) <= 0) {
            throw new ConfigException("federation.goneAfter", "must be longer than federation.suspectAfter");
        }
        Federation federation = new Federation(
                f.string("cluster", "imgfed"), f.string("host", "127.0.0.1"), f.port("port", 5701), fedAdvertise,
                members, costs, dcs, f.path("trust", null), f.path("signingKey", null), heartbeat, suspect, gone);
        if ((federation.trust() == null) != (federation.signingKey() == null)) {
            throw new ConfigException(federation.trust() == null ? "federation.trust" : "federation.signingKey",
                    "federation.trust and federation.signingKey are set together");
        }
        if (federation.trust() == null && joinsOthers(federation) && namesNoOtherDc(dc, federation)) {
            // Trust on first use pins the key of a DC name the first time any member announces it: with the other
            // DCs unnamed, a rogue member could pin a key for a DC that has not joined yet.
            throw new ConfigException("federation.dcs", "must name the other DCs of the federation when federation.members "
                    + "lists other members and federation.trust is not set (trust on first use pins keys only for listed "
                    + "DC names; the DCs of federation.costs count as listed); or set federation.trust and signingKey");
        }

        ConfigReader t = root.section("transfer");
        ConfigReader r = t.section("retry");
        Retry retry = new Retry(r.duration("initial", Duration.ofSeconds(1)), r.duration("max", Duration.ofMinutes(10)),
                r.intRange("attempts", 8, 1, 1000));
        if (retry.max().compareTo(retry.initial()) < 0) {
            throw new ConfigException("transfer.retry.max", "must not be shorter than transfer.retry.initial");
        }
        Transfer transfer = new Transfer(t.intRange("maxConcurrent", 8, 1, 1024), retry, t.size("rateLimit", 0),
                t.duration("stallTimeout", Duration.ofSeconds(30)));

        ConfigReader b = root.section("billing");
        ConfigReader k = b.section("kafka");
        String bootstrap = k.string("bootstrap", null);
        String topic = k.string("topic", "imgfed.transfers");
        Kafka kafka = bootstrap == null || bootstrap.isBlank() ? null : new Kafka(bootstrap, topic);
        Billing billing = new Billing(kafka, b.path("outbox", dataDir.resolve("outbox")), b.size("outboxAlarm", 64L << 20));

        ConfigReader a = root.section("auth");
        String mode = a.string("mode", "none");
        AuthMode authMode;
        try {
            authMode = AuthMode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("auth.mode", "must be none, signature or token (got \"" + mode + "\")");
        }
        Auth auth = new Auth(authMode, a.path("keys", Path.of("./keys")), a.path("tokens", null),
                a.stringList("operators", List.of("admin")), a.bool("allowInsecure", false),
                a.duration("clockSkew", Duration.ofMinutes(5)), a.bool("dateOnlySignatures", false));
        if (authMode == AuthMode.TOKEN && auth.tokens() == null) {
            throw new ConfigException("auth.tokens", "is required when auth.mode is token");
        }

        ConfigReader o = root.section("oci");
        Map<String, ImgfedConfig.Upstream> upstreams = upstreams(o.section("upstreams"));
        String defaultUpstream = o.string("defaultUpstream", null);
        if (defaultUpstream != null && !upstreams.containsKey(defaultUpstream)) {
            throw new ConfigException("oci.defaultUpstream", "names no upstream of oci.upstreams (got \"" + defaultUpstream
                    + "\"; known: " + upstreams.keySet() + ")");
        }
        ImgfedConfig.Oci oci = new ImgfedConfig.Oci(o.duration("gcGrace", Duration.ofHours(24)),
                o.duration("gcInterval", Duration.ofHours(1)), upstreams, defaultUpstream,
                o.duration("revalidate", Duration.ofMinutes(5)), o.intRange("upstreamFailures", 5, 1, 1000),
                owners(o.section("owners")));

        root.rejectUnknown();
        if (authMode == AuthMode.NONE && !auth.allowInsecure() && !isLoopback(http.host())) {
            throw new ConfigException("auth.mode", "none (no authentication) is only allowed when http.host is a loopback "
                    + "address; set auth.mode to signature or token, or auth.allowInsecure: true to force it");
        }
        if (authMode != AuthMode.NONE && http.tls() == null && !auth.allowInsecure() && !isLoopback(http.host())) {
            // A bearer token, or a signed request replayable within the clock skew, must not cross a network in the clear.
            throw new ConfigException("http.tls", "is required when auth.mode is " + mode.toLowerCase(Locale.ROOT)
                    + " and http.host is not a loopback address (tokens and signed requests must not cross the network "
                    + "in the clear); set http.tls.cert and http.tls.key, or auth.allowInsecure: true when a TLS proxy on "
                    + "this host terminates the connections");
        }
        if (peer.tls() == null && !auth.allowInsecure() && !isLoopback(peer.host())) {
            // The peer listener acts on what other DCs assert (forwarded callers); without mutual TLS anyone who
            // can reach it could assert anything.
            throw new ConfigException("peer.tls", "is required when peer.host is not a loopback address (DCs "
                    + "authenticate each other with certificates: imgfed certs issue); or set auth.allowInsecure: true");
        }
        return new ImgfedConfig(dc, data, http, peer, federation, transfer, billing, auth, oci);
    }

    /** {@code oci.owners}: repository prefix → the owner (a UUID) its pulled bytes are billed to. */
    private static Map<String, String> owners(ConfigReader section) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String prefix : section.fieldNames()) {
            String owner = section.string(prefix, null);
            try {
                io.imgfed.protocol.oci.RepositoryName.parse(prefix);
            } catch (RuntimeException e) {
                throw new ConfigException(section.name() + "." + prefix, "is not a repository name prefix: " + e.getMessage());
            }
            try {
                java.util.UUID.fromString(owner == null ? "" : owner);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(section.name() + "." + prefix, "must be the owner's UUID (got "
                        + (owner == null ? "nothing" : "\"" + owner + "\"") + ")");
            }
            out.put(prefix, owner.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** {@code oci.upstreams}: id → {url, names, username, password | passwordFile}. */
    private static Map<String, ImgfedConfig.Upstream> upstreams(ConfigReader section) {
        Map<String, ImgfedConfig.Upstream> out = new LinkedHashMap<>();
        Set<String> names = new java.util.HashSet<>();
        for (String id : section.fieldNames()) {
            ConfigReader u = section.section(id);
            if (!UPSTREAM_ID.matcher(id).matches()) {
                throw new ConfigException(u.name(), "an upstream's id is a repository name component "
                        + "(lower case letters, digits, . _ -; no port: give host:port in names)");
            }
            String url = u.string("url", null);
            java.net.URI uri;
            try {
                uri = url == null ? null : new java.net.URI(url);
            } catch (java.net.URISyntaxException e) {
                uri = null;
            }
            if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new ConfigException(u.name() + ".url", "must be the upstream registry's http:// or https:// URL "
                        + "(got " + (url == null ? "nothing" : "\"" + url + "\"") + ")");
            }
            List<String> aliases = u.stringList("names", List.of());
            for (String n : aliases) {
                if (n.isBlank() || n.contains("/")) {
                    throw new ConfigException(u.name() + ".names", "must be registry host names (host or host:port), not \""
                            + n + "\"");
                }
            }
            for (String n : concat(id, aliases)) {
                if (!names.add(n.toLowerCase(Locale.ROOT))) {
                    throw new ConfigException(u.name() + ".names", "\"" + n + "\" names two upstreams");
                }
            }
            String username = u.string("username", null);
            String password = u.string("password", null);
            Path passwordFile = u.path("passwordFile", null);
            if (password != null && passwordFile != null) {
                throw new ConfigException(u.name() + ".password", "give password or passwordFile, not both");
            }
            if (passwordFile != null) {
                try {
                    password = Files.readString(passwordFile).strip();
                } catch (IOException e) {
                    throw new ConfigException(u.name() + ".passwordFile", "cannot read " + passwordFile + ": " + e.getMessage());
                }
            }
            if ((username == null) != (password == null)) {
                throw new ConfigException(u.name() + ".username", "username and password go together");
            }
            out.put(id, new ImgfedConfig.Upstream(id, uri, aliases, username, password));
        }
        return out;
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** Whether the member list names a member other than this DC's own federation.host:port. */
    private static boolean joinsOthers(Federation f) {
        String self = f.host() + ":" + f.port();
        return f.members().stream().anyMatch(m -> !m.equals(self));
    }

    private static boolean namesNoOtherDc(String self, Federation f) {
        return f.dcs().stream().allMatch(self::equals) && f.costs().keySet().stream().allMatch(self::equals);
    }

    static boolean isLoopback(String host) {
        // 127.0.0.0/8 as an address literal only: a DNS name that merely starts with "127." can point anywhere.
        return host.equals("localhost") || host.matches("^127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$") || host.equals("::1")
                || host.equals("[::1]");
    }

    private static Listener listener(ConfigReader s, int defaultPort, boolean peer) {
        ConfigReader tls = s.section("tls");
        Path cert = tls.path("cert", null);
        Path key = tls.path("key", null);
        Path ca = tls.path("ca", null);
        Tls t = null;
        if (cert != null || key != null || ca != null) {
            if (cert == null || key == null) {
                throw new ConfigException(s.name() + ".tls", "cert and key are both required");
            }
            if (peer && ca == null) {
                throw new ConfigException("peer.tls.ca", "is required: DCs authenticate each other with certificates of the federation CA");
            }
            t = new Tls(cert, key, ca);
        }
        String advertise = s.string("advertise", null);
        if (advertise != null && !HOST_PORT.matcher(advertise).matches()) {
            throw new ConfigException(s.name() + ".advertise", "must be host:port (got \"" + advertise + "\")");
        }
        return new Listener(s.string("host", "127.0.0.1"), s.port("port", defaultPort), t, advertise,
                s.duration("idleTimeout", Duration.ofSeconds(60)), s.size("maxBody", 1L << 20),
                s.duration("headerTimeout", Duration.ofSeconds(10)));
    }

    /** Reads one mapping of the tree, remembering which keys were read so the rest can be refused. */
    private static final class ConfigReader {
        private static final Pattern SIZE = Pattern.compile("^(\\d+)\\s*([KMGTP]i?B|B)?$", Pattern.CASE_INSENSITIVE);
        private static final Pattern DURATION = Pattern.compile("^(\\d+)\\s*(ms|s|m|h|d)$");

        private final String prefix;
        private final ObjectNode node;
        private final Set<String> read = new java.util.HashSet<>();
        private final List<ConfigReader> children = new ArrayList<>();

        ConfigReader(String prefix, ObjectNode node) {
            this.prefix = prefix;
            this.node = node;
        }

        String name() {
            return prefix;
        }

        private String key(String k) {
            return prefix.isEmpty() ? k : prefix + "." + k;
        }

        private JsonNode get(String k) {
            read.add(k);
            JsonNode v = node.get(k);
            return v == null || v.isNull() ? null : v;
        }

        ConfigReader section(String k) {
            JsonNode v = get(k);
            if (v != null && !v.isObject()) {
                throw new ConfigException(key(k), "must be a mapping");
            }
            ConfigReader c = new ConfigReader(key(k), v == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) v);
            children.add(c);
            return c;
        }

        String string(String k, String dflt) {
            JsonNode v = get(k);
            if (v == null) {
                return dflt;
            }
            if (!v.isValueNode()) {
                throw new ConfigException(key(k), "must be a string");
            }
            return v.asText();
        }

        Path path(String k, Path dflt) {
            String s = string(k, null);
            if (s == null) {
                return dflt;
            }
            if (s.isBlank() || s.indexOf('\0') >= 0) {
                throw new ConfigException(key(k), "must be a file system path");
            }
            return Path.of(s);
        }

        boolean bool(String k, boolean dflt) {
            JsonNode v = get(k);
            if (v == null) {
                return dflt;
            }
            if (v.isBoolean()) {
                return v.asBoolean();
            }
            throw new ConfigException(key(k), "must be true or false (got " + v + ")");
        }

        int port(String k, int dflt) {
            return intRange(k, dflt, 0, 65535);
        }

        int intRange(String k, int dflt, int min, int max) {
            JsonNode v = get(k);
            if (v == null) {
                return dflt;
            }
            if (v.isIntegralNumber() || (v.isTextual() && v.asText().matches("^\\d{1,10}$"))) {
                long n = v.asLong();
                if (n >= min && n <= max) {
                    return (int) n;
                }
            }
            throw new ConfigException(key(k), "must be an integer from " + min + " to " + max + " (got " + v + ")");
        }

        long size(String k, long dflt) {
            JsonNode v = get(k);
            if (v == null) {
                return dflt;
            }
            if (v.isIntegralNumber() && v.asLong() >= 0) {
                return v.asLong();
            }
            var m = SIZE.matcher(v.asText().trim());
            if (v.isValueNode() && m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
                int shift = switch (unit.charAt(0)) {
                    case 'K' -> 10;
                    case 'M' -> 20;
                    case 'G' -> 30;
                    case 'T' -> 40;
                    case 'P' -> 50;
                    default -> 0;
                };
                boolean binary = unit.contains("I") || unit.equals("B");
                long mult = binary ? 1L << shift : (long) Math.pow(1000, shift / 10);
                if (n <= Long.MAX_VALUE / mult) {
                    return n * mult;
                }
            }
            throw new ConfigException(key(k), "must be a size like 500GiB, 10MB or a number of bytes (got " + v + ")");
        }

        Duration duration(String k, Duration dflt) {
            JsonNode v = get(k);
            if (v == null) {
                return dflt;
            }
            var m = DURATION.matcher(v.asText().trim());
            if (v.isValueNode() && m.matches()) {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                if (!d.isZero()) {
                    return d;
                }
            }
            throw new ConfigException(key(k), "must be a positive duration like 500ms, 1s, 10m or 2h (got " + v + ")");
        }

        List<String> stringList(String k, List<String> dflt) {
            JsonNode v = get(k);
            if (v == null) {
                return dflt;
            }
            if (!v.isArray()) {
                throw new ConfigException(key(k), "must be a list");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isValueNode() || v.get(i).isNull()) {
                    throw new ConfigException(key(k) + "[" + i + "]", "must be a string");
                }
                out.add(v.get(i).asText());
            }
            return List.copyOf(out);
        }

        Map<String, Double> numberMap(String k) {
            JsonNode v = get(k);
            if (v == null) {
                return Map.of();
            }
            if (!v.isObject()) {
                throw new ConfigException(key(k), "must be a mapping of DC name to number");
            }
            Map<String, Double> out = new LinkedHashMap<>();
            v.fields().forEachRemaining(e -> {
                if (!e.getValue().isNumber()) {
                    throw new ConfigException(key(k) + "." + e.getKey(), "must be a number (got " + e.getValue() + ")");
                }
                out.put(e.getKey(), e.getValue().asDouble());
            });
            return Map.copyOf(out);
        }

        /** The keys of this mapping (for mappings keyed by names the configuration chooses). */
        List<String> fieldNames() {
            List<String> out = new ArrayList<>();
            node.fieldNames().forEachRemaining(out::add);
            return out;
        }

        void rejectUnknown() {
            node.fieldNames().forEachRemaining(f -> {
                if (!read.contains(f)) {
                    throw new ConfigException(key(f), "unknown key");
                }
            });
            children.forEach(ConfigReader::rejectUnknown);
        }
    }
}
