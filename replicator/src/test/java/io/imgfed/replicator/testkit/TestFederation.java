package io.imgfed.replicator.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
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

    /** The YAML a DC of this federation runs with (also used to start it as a separate process). */
    public String yaml(String dc) {
        List<String> members = new ArrayList<>();
        fedPorts.forEach((name, port) -> members.add("127.0.0.1:" + port));
        return "dc: " + dc + "\n"
                + "data: {dir: " + dir.resolve(dc) + "}\n"
                + "federation: {port: " + fedPorts.get(dc) + ", members: [" + String.join(", ", members) + "]}\n"
                + extraYaml;
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
