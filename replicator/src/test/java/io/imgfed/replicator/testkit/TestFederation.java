package io.imgfed.replicator.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several DCs forming one federation on loopback: each its own daemon, data dir and Hazelcast member, every
 * member listing the others. Each DC has fixed ports, so it can run in this JVM or as a separate process
 * ({@link #yaml}), be stopped and started again on its data dir, and have its peer address advertised
 * through a proxy. Every DC's config names all of them ({@code federation.dcs}). Extra YAML (for all DCs, or per
 * DC) is merged into the generated config as a tree, so it can add to a mapping such as {@code federation}
 * without losing the member list.
 */
public final class TestFederation implements AutoCloseable {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path dir;
    private final String commonYaml;
    private final Map<String, String> dcYaml;
    private final Map<String, int[]> ports = new LinkedHashMap<>();
    private final Map<String, TestDaemon> running = new LinkedHashMap<>();

    /** Ports of one DC: http, peer, federation. */
    private static final int HTTP = 0;
    private static final int PEER = 1;
    private static final int FED = 2;

    private TestFederation(Path dir, String commonYaml, Map<String, String> dcYaml) {
        this.dir = dir;
        this.commonYaml = commonYaml;
        this.dcYaml = new LinkedHashMap<>(dcYaml);
        for (Map.Entry<String, String> e : dcYaml.entrySet()) {
            ObjectNode own = extra(commonYaml);
            merge(own, extra(e.getValue()));
            ports.put(e.getKey(), new int[] {port(own, "http"), port(own, "peer"), port(own, "federation")});
        }
    }

    /** Builds a federation DC by DC. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Starts the named DCs in this JVM, each with {@code extraYaml} merged into its config. */
    public static TestFederation withConfig(Path dir, String extraYaml, String... dcs) {
        Builder b = builder(dir).common(extraYaml);
        for (String dc : dcs) {
            b.dc(dc, "");
        }
        return b.start();
    }

    public static TestFederation start(Path dir, String... dcs) {
        return withConfig(dir, "", dcs);
    }

    /** Collects the DCs and their configs; {@link #start()} starts the in-JVM ones, in order. */
    public static final class Builder {
        private final Path dir;
        private String common = "";
        private final Map<String, String> dcs = new LinkedHashMap<>();
        private final List<String> external = new ArrayList<>();

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** YAML merged into every DC's config. */
        public Builder common(String yaml) {
            this.common = yaml;
            return this;
        }

        /** A DC with YAML of its own, merged after the common YAML. */
        public Builder dc(String name, String yaml) {
            dcs.put(name, yaml);
            return this;
        }

        /** A DC that the test runs itself (say, as a separate process); it is configured but not started. */
        public Builder external(String name, String yaml) {
            dcs.put(name, yaml);
            external.add(name);
            return this;
        }

        public TestFederation start() {
            TestFederation f = new TestFederation(dir, common, dcs);
            try {
                for (String dc : dcs.keySet()) {
                    if (!external.contains(dc)) {
                        f.startDc(dc);
                    }
                }
            } catch (RuntimeException e) {
                f.close();
                throw e;
            }
            return f;
        }
    }

    /** The whole YAML of a DC: identity, data dir, fixed ports, the member list, then the extra YAML merged in. */
    public String yaml(String dc) {
        int[] p = ports.get(dc);
        ObjectNode tree = YAML.createObjectNode();
        tree.put("dc", dc);
        tree.putObject("data").put("dir", dir.resolve(dc).toString());
        tree.putObject("http").put("port", p[HTTP]);
        tree.putObject("peer").put("port", p[PEER]);
        ObjectNode fed = tree.putObject("federation");
        fed.put("port", p[FED]);
        ArrayNode members = fed.putArray("members");
        memberAddresses().forEach(members::add);
        // Every DC of the federation by name: trust on first use pins keys for these names only.
        ArrayNode names = fed.putArray("dcs");
        ports.keySet().forEach(names::add);
        merge(tree, extra(commonYaml));
        merge(tree, extra(dcYaml.getOrDefault(dc, "")));
        try {
            return YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode extra(String yaml) {
        if (yaml == null || yaml.isBlank()) {
            return YAML.createObjectNode();
        }
        try {
            JsonNode n = YAML.readTree(yaml);
            if (!(n instanceof ObjectNode o)) {
                throw new IllegalArgumentException("extra YAML must be a mapping: " + yaml);
            }
            return o;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad extra YAML: " + yaml, e);
        }
    }

    /** Merges {@code extra} into {@code into}: mappings recursively, anything else replaced. */
    private static void merge(ObjectNode into, JsonNode extra) {
        Iterator<Map.Entry<String, JsonNode>> it = extra.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode mine = into.get(e.getKey());
            if (mine instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    /** The port a DC's YAML sets for a listener, else a free one. */
    private static int port(ObjectNode yaml, String listener) {
        JsonNode p = yaml.path(listener).get("port");
        return p != null && p.canConvertToInt() && p.asInt() > 0 ? p.asInt() : FreePorts.next();
    }

    public TestDaemon startDc(String dc) {
        if (running.containsKey(dc)) {
            throw new IllegalStateException(dc + " is running");
        }
        TestDaemon d = TestDaemon.start(TestDaemon.config(dir.resolve(dc), yaml(dc)));
        running.put(dc, d);
        return d;
    }

    /** Starts (or restarts) a DC with YAML of its own in place of what it had, kept for later restarts. */
    public TestDaemon startDc(String dc, String ownYaml) {
        dcYaml.put(dc, ownYaml);
        return startDc(dc);
    }

    /** Stops a DC gracefully (it leaves the cluster); its data dir stays for a restart. */
    public void stopDc(String dc) {
        TestDaemon d = running.remove(dc);
        if (d != null) {
            d.close();
        }
    }

    public boolean running(String dc) {
        return running.containsKey(dc);
    }

    public TestDaemon dc(String dc) {
        TestDaemon d = running.get(dc);
        if (d == null) {
            throw new IllegalStateException(dc + " is not running");
        }
        return d;
    }

    /** A client for a DC, running here or elsewhere. */
    public ImgapiClient client(String dc) {
        return new ImgapiClient("http://127.0.0.1:" + ports.get(dc)[HTTP]);
    }

    /** How DC {@code observer} sees DC {@code dc}'s holding of an image's file: present, pulling or absent. */
    public String fileState(String observer, String uuid, String dc) {
        return client(observer).get("/federation/availability?uuid=" + uuid).json().path(0).path("dcs").path(dc)
                .path("state").asText("absent");
    }

    /** Waits (20 s at most) until DC {@code observer} sees DC {@code holder} holding the image's file. */
    public void awaitHolding(String observer, String uuid, String holder) {
        Await.until(observer + " sees " + holder + " holding the file of " + uuid, Duration.ofSeconds(20),
                () -> fileState(observer, uuid, holder).equals("present"));
    }

    public int httpPort(String dc) {
        return ports.get(dc)[HTTP];
    }

    public int peerPort(String dc) {
        return ports.get(dc)[PEER];
    }

    public Path dataDir(String dc) {
        return dir.resolve(dc);
    }

    public int federationPort(String dc) {
        return ports.get(dc)[FED];
    }

    /** Every DC's Hazelcast address, as the members list has them. */
    public List<String> memberAddresses() {
        List<String> out = new ArrayList<>();
        ports.values().forEach(p -> out.add("127.0.0.1:" + p[FED]));
        return out;
    }

    @Override
    public void close() {
        List<String> names = new ArrayList<>(running.keySet());
        RuntimeException first = null;
        for (String n : names) {
            try {
                stopDc(n);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
