package io.imgfed.replicator.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several DCs in this JVM forming one federation on loopback: each its own daemon, data dir and Hazelcast
 * member, every member listing the others. DCs can be stopped and started again on the same data dir.
 */
public final class TestFederation implements AutoCloseable {
    private final Path dir;
    private final String extraYaml;
    private final Map<String, Integer> fedPorts = new LinkedHashMap<>();
    private final Map<String, TestDaemon> running = new LinkedHashMap<>();
    private final Map<String, String> dcYaml = new LinkedHashMap<>();

    private TestFederation(Path dir, String extraYaml) {
        this.dir = dir;
        this.extraYaml = extraYaml;
    }

    /** Starts the named DCs (in order, each joining the ones before). {@code extraYaml} is added to every config. */
    public static TestFederation withConfig(Path dir, String extraYaml, String... dcs) {
        TestFederation f = new TestFederation(dir, extraYaml);
        for (String dc : dcs) {
            f.fedPorts.put(dc, FreePorts.next());
        }
        try {
            for (String dc : dcs) {
                f.startDc(dc);
            }
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    public static TestFederation start(Path dir, String... dcs) {
        return withConfig(dir, "", dcs);
    }

    /**
     * The YAML a DC of this federation runs with (also used to start it as a separate process): its name, data
     * dir, federation port and member list, deep-merged with the federation's extra YAML and then the DC's own
     * (see {@link #startDc(String, String)}), so extra YAML may add keys to {@code data} or {@code federation}
     * without losing the member list.
     */
    public String yaml(String dc) {
        YAMLMapper mapper = new YAMLMapper();
        ObjectNode tree = mapper.createObjectNode();
        tree.put("dc", dc);
        tree.putObject("data").put("dir", dir.resolve(dc).toString());
        ObjectNode fed = tree.putObject("federation");
        fed.put("port", fedPorts.get(dc));
        var members = fed.putArray("members");
        fedPorts.forEach((name, port) -> members.add("127.0.0.1:" + port));
        try {
            merge(tree, extraYaml.isBlank() ? null : mapper.readTree(extraYaml));
            String own = dcYaml.getOrDefault(dc, "");
            merge(tree, own.isBlank() ? null : mapper.readTree(own));
            return mapper.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad extra YAML", e);
        }
    }

    private static void merge(ObjectNode into, JsonNode extra) {
        if (extra == null || extra.isNull()) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = extra.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode mine = into.get(e.getKey());
            if (mine instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Starts (or restarts) a DC with extra YAML of its own on top of the federation's, kept for later restarts. */
    public TestDaemon startDc(String dc, String dcExtraYaml) {
        dcYaml.put(dc, dcExtraYaml);
        return startDc(dc);
    }

    public TestDaemon startDc(String dc) {
        if (running.containsKey(dc)) {
            throw new IllegalStateException(dc + " is running");
        }
        TestDaemon d = TestDaemon.start(dir.resolve(dc), yaml(dc));
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

    public ImgapiClient client(String dc) {
        return dc(dc).client();
    }

    public Path dataDir(String dc) {
        return dir.resolve(dc);
    }

    public int federationPort(String dc) {
        return fedPorts.get(dc);
    }

    public boolean running(String dc) {
        return running.containsKey(dc);
    }

    public List<String> memberAddresses() {
        List<String> out = new ArrayList<>();
        fedPorts.values().forEach(p -> out.add("127.0.0.1:" + p));
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
