package io.imgfed.replicator.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several DCs forming one federation on loopback: each its own daemon, data dir and Hazelcast member, every
 * member listing the others. Each DC has fixed ports, so it can run in this JVM or as a separate process
 * ({@link #yaml}), be stopped and started again on its data dir, and have its peer address advertised
 * through a proxy.
 */
public final class TestFederation implements AutoCloseable {
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
        this.dcYaml = dcYaml;
        for (Map.Entry<String, String> e : dcYaml.entrySet()) {
            String own = e.getValue();
            ports.put(e.getKey(), new int[] {portIn(own, "http"), portIn(own, "peer"), portIn(own, "federation")});
        }
    }

    /** Builds a federation DC by DC. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Starts the named DCs in this JVM, each with {@code extraYaml} added to its config. */
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

    /** Collects the DCs and their configs; {@link #start()} starts the in-JVM ones. */
    public static final class Builder {
        private final Path dir;
        private String common = "";
        private final Map<String, String> dcs = new LinkedHashMap<>();
        private final List<String> external = new ArrayList<>();

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** YAML added to every DC's config. Keys given here must not also be given per DC. */
        public Builder common(String yaml) {
            this.common = yaml;
            return this;
        }

        /** A DC with YAML of its own (top-level keys not used in {@link #common}). */
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

    /** The port a DC's YAML sets for a listener ({@code peer: {port: N, ...}}), else a free one. */
    private static int portIn(String yaml, String key) {
        for (String part : block(yaml, key).split(",")) {
            String t = part.trim();
            if (t.startsWith("port:")) {
                return Integer.parseInt(t.substring(5).trim());
            }
        }
        return FreePorts.next();
    }

    /** The flow-mapping body of a key without its {@code port} entry (the generated config sets the port). */
    private static String blockWithoutPort(String yaml, String key) {
        StringBuilder sb = new StringBuilder();
        for (String part : block(yaml, key).split(",")) {
            String t = part.trim();
            if (!t.isEmpty() && !t.startsWith("port:")) {
                sb.append(", ").append(t);
            }
        }
        return sb.toString();
    }

    /** The whole YAML of a DC: identity, data dir, fixed ports, the member list, and the extra YAML. */
    public String yaml(String dc) {
        List<String> members = new ArrayList<>();
        ports.values().forEach(p -> members.add("127.0.0.1:" + p[FED]));
        int[] p = ports.get(dc);
        String own = dcYaml.getOrDefault(dc, "");
        StringBuilder y = new StringBuilder();
        y.append("dc: ").append(dc).append('\n');
        y.append("data: {dir: ").append(dir.resolve(dc)).append(block(own, "data")).append("}\n");
        y.append("http: {port: ").append(p[HTTP]).append(blockWithoutPort(own, "http")).append("}\n");
        y.append("peer: {port: ").append(p[PEER]).append(blockWithoutPort(own, "peer")).append("}\n");
        y.append("federation: {port: ").append(p[FED]).append(", members: [").append(String.join(", ", members)).append(']')
                .append(blockWithoutPort(own, "federation")).append(blockWithoutPort(commonYaml, "federation")).append("}\n");
        y.append(rest(commonYaml)).append(rest(own));
        return y.toString();
    }

    /**
     * The flow-mapping body of a top-level key written as {@code key: {a: 1, b: 2}} on one line, as
     * {@code ", a: 1, b: 2"}, so it can be merged into the generated mapping of that key.
     */
    private static String block(String yaml, String key) {
        for (String line : yaml.split("\n")) {
            String t = line.trim();
            if (t.startsWith(key + ":")) {
                String v = t.substring(key.length() + 1).trim();
                if (!v.startsWith("{") || !v.endsWith("}")) {
                    throw new IllegalArgumentException("write '" + key + "' as a one-line flow mapping: " + line);
                }
                String inner = v.substring(1, v.length() - 1).trim();
                return inner.isEmpty() ? "" : ", " + inner;
            }
        }
        return "";
    }

    private static String rest(String yaml) {
        StringBuilder sb = new StringBuilder();
        for (String line : yaml.split("\n")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("data:") || t.startsWith("http:") || t.startsWith("peer:")
                    || t.startsWith("federation:")) {
                continue;
            }
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    public TestDaemon startDc(String dc) {
        if (running.containsKey(dc)) {
            throw new IllegalStateException(dc + " is running");
        }
        TestDaemon d = TestDaemon.start(TestDaemon.config(dir.resolve(dc), yaml(dc)));
        running.put(dc, d);
        return d;
    }

    /** Stops a DC gracefully (it leaves the cluster); its data dir stays for a restart. */
    public void stopDc(String dc) {
        TestDaemon d = running.remove(dc);
        if (d != null) {
            d.close();
        }
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
        Await.until(observer + " sees " + holder + " holding the file of " + uuid, java.time.Duration.ofSeconds(20),
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
