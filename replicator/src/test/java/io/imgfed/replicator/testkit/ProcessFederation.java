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
 * Several DCs as separate JVMs ({@link DaemonProcess}) forming one federation on loopback, on fixed free ports
 * (http, peer, federation) so that a DC killed with SIGKILL comes back where the others expect it.
 */
public final class ProcessFederation implements AutoCloseable {
    private record Ports(int http, int peer, int federation) {
    }

    private final Path dir;
    private final String extraYaml;
    private final Map<String, Ports> ports = new LinkedHashMap<>();
    private final Map<String, DaemonProcess> processes = new LinkedHashMap<>();

    private ProcessFederation(Path dir, String extraYaml) {
        this.dir = dir;
        this.extraYaml = extraYaml;
    }

    /**
     * Starts the DCs one after the other (each joining the ones before, as in a rolling start) and returns once
     * every one answers /ping.
     */
    public static ProcessFederation start(Path dir, String extraYaml, String... dcs) {
        ProcessFederation f = new ProcessFederation(dir, extraYaml);
        for (String dc : dcs) {
            f.ports.put(dc, new Ports(FreePorts.next(), FreePorts.next(), FreePorts.next()));
        }
        try {
            for (String dc : dcs) {
                f.processes.put(dc, DaemonProcess.start(dir.resolve(dc + "-process"), f.yaml(dc), f.ports.get(dc).http()));
            }
        } catch (RuntimeException | AssertionError e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** The YAML a DC runs with: name, data dir, ports and the member list, deep-merged with the extra YAML. */
    public String yaml(String dc) {
        YAMLMapper mapper = new YAMLMapper();
        Ports p = ports.get(dc);
        ObjectNode tree = mapper.createObjectNode();
        tree.put("dc", dc);
        tree.putObject("data").put("dir", dir.resolve(dc).toString());
        tree.putObject("http").put("host", "127.0.0.1").put("port", p.http());
        tree.putObject("peer").put("host", "127.0.0.1").put("port", p.peer());
        ObjectNode fed = tree.putObject("federation");
        fed.put("host", "127.0.0.1").put("port", p.federation());
        var members = fed.putArray("members");
        ports.values().forEach(q -> members.add("127.0.0.1:" + q.federation()));
        var names = fed.putArray("dcs");
        ports.keySet().forEach(names::add);
        try {
            if (!extraYaml.isBlank()) {
                merge(tree, mapper.readTree(extraYaml));
            }
            return mapper.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad extra YAML", e);
        }
    }

    private static void merge(ObjectNode into, JsonNode extra) {
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

    public DaemonProcess process(String dc) {
        return processes.get(dc);
    }

    public ImgapiClient client(String dc) {
        return new ImgapiClient("http://127.0.0.1:" + ports.get(dc).http());
    }

    public List<String> names() {
        return new ArrayList<>(ports.keySet());
    }

    /** SIGKILL: no shutdown hook, nothing flushed, no goodbye to the cluster. */
    public void kill9(String dc) {
        processes.get(dc).kill9();
    }

    /** Starts a killed DC again on the same config, ports and data dir. */
    public void restart(String dc) {
        processes.get(dc).restart();
    }

    @Override
    public void close() {
        for (DaemonProcess p : processes.values()) {
            try {
                p.close();
            } catch (RuntimeException ignored) {
                // best effort: the others still get killed
            }
        }
    }
}
