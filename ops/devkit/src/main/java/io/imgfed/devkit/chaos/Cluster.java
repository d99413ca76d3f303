package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.imgfed.devtools.DelayProxy;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The DCs of one scenario: a daemon process per DC and, in front of each DC's peer listener and of its
 * Hazelcast member, a delay proxy on the hub that adds the WAN's one-way latency ({@link Wan}). Each DC
 * advertises its proxies ({@code peer.advertise}, {@code federation.advertise}) and lists the others' in
 * {@code federation.members}, so every DC-to-DC file, mutation, heartbeat and gossiped record crosses one.
 * Liveness runs at 1 s heartbeat, suspect after 3 s, gone after 8 s unless a scenario sets its own.
 */
final class Cluster implements AutoCloseable {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final ChaosRun run;
    private final String scenario;
    private final List<String> names;
    private final Map<String, ObjectNode> overrides = new LinkedHashMap<>();
    private final Map<String, int[]> ports = new LinkedHashMap<>();
    /** In front of each DC's peer listener. */
    private final Map<String, DelayProxy> proxies = new LinkedHashMap<>();
    /** In front of each DC's Hazelcast member. */
    private final Map<String, DelayProxy> fedProxies = new LinkedHashMap<>();
    private final Map<String, DcProcess> dcs = new LinkedHashMap<>();
    private final Map<String, Path> dataDirs = new LinkedHashMap<>();

    Cluster(ChaosRun run, String scenario, String... names) {
        this.run = run;
        this.scenario = scenario;
        this.names = List.of(names);
        for (String n : names) {
            overrides.put(n, Json.object());
            dataDirs.put(n, run.workDir().resolve(scenario).resolve(n));
        }
    }

    /** Adds YAML (a mapping) to every DC's configuration. */
    Cluster common(String yaml) {
        for (String n : names) {
            configure(n, yaml);
        }
        return this;
    }

    /** Adds YAML (a mapping) to one DC's configuration; later keys win. */
    Cluster configure(String dc, String yaml) {
        try {
            merge(overrides.get(dc), (ObjectNode) YAML.readTree(yaml));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Puts a DC's data dir elsewhere (a small tmpfs). */
    Cluster dataDir(String dc, Path dir) {
        dataDirs.put(dc, dir);
        return this;
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode o && e.getValue() instanceof ObjectNode v) {
                merge(o, v);
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    /** Starts every DC (in parallel), waits until each is ready and all see each other alive. */
    Cluster start() {
        Network net = run.network();
        for (String n : names) {
            // Fresh ports for each scenario's cluster, so no socket left by the previous one's DCs is in the way.
            int k = run.nextPortOffset();
            int[] p = net.namespaces() ? new int[] {8080 + k, 8443 + k, 5701 + k}
                    : new int[] {freePort(), freePort(), freePort()};
            ports.put(n, p);
            proxies.put(n, wanProxy(n, p[1]));
            fedProxies.put(n, wanProxy(n, p[2]));
        }
        for (String n : names) {
            DcProcess d = new DcProcess(run, n, net.hostOf(n), ports.get(n)[0], dataDirs.get(n),
                    run.resultsDir().resolve(scenario), config(n));
            dcs.put(n, d);
        }
        long t0 = System.nanoTime();
        dcs.values().forEach(DcProcess::launch);
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (DcProcess d : dcs.values()) {
            ready.add(CompletableFuture.runAsync(() -> d.awaitReady(Duration.ofSeconds(120))));
        }
        join(ready);
        awaitAllAlive(Duration.ofSeconds(90));
        run.log("  " + names.size() + " DCs up and federated in " + Await.seconds(t0) + " s");
        return this;
    }

    /** A proxy on the hub in front of one of {@code dc}'s listeners, delaying each other DC by its distance. */
    private DelayProxy wanProxy(String dc, int port) {
        Network net = run.network();
        DelayProxy p = DelayProxy.start(net.hub(), 0, net.hostOf(dc), port, Wan.defaultFor(dc));
        if (net.namespaces()) {
            for (String o : names) {
                if (!o.equals(dc)) {
                    p.delayFrom(net.hostOf(o), Wan.oneWay(dc, o));
                }
            }
        }
        return p;
    }

    private ObjectNode config(String dc) {
        Network net = run.network();
        String host = net.hostOf(dc);
        int[] p = ports.get(dc);
        ObjectNode c = Json.object();
        c.put("dc", dc);
        c.putObject("data").put("dir", dataDirs.get(dc).toString()).put("capacity", "4GiB");
        c.putObject("http").put("host", host).put("port", p[0]);
        c.putObject("peer").put("host", host).put("port", p[1]).put("advertise", proxies.get(dc).address());
        ObjectNode fed = c.putObject("federation");
        fed.put("host", host).put("port", p[2]).put("advertise", fedProxies.get(dc).address())
                .put("heartbeat", "1s").put("suspectAfter", "3s").put("goneAfter", "8s");
        ArrayNode members = fed.putArray("members");
        ArrayNode dcNames = fed.putArray("dcs");
        for (String n : names) {
            members.add(fedProxies.get(n).address());
            dcNames.add(n);
        }
        c.putObject("transfer").put("stallTimeout", "10s");
        c.putObject("billing").putObject("kafka").put("bootstrap", run.kafkaBootstrap());
        // No TLS between the DCs of the test network (namespaces of this machine only): listeners off loopback need this.
        c.putObject("auth").put("mode", "none").put("allowInsecure", true);
        merge(c, overrides.get(dc));
        return c;
    }

    /** Waits until every running DC lists every DC of the cluster as alive. */
    void awaitAllAlive(Duration deadline) {
        Await.until("every DC to see all " + names.size() + " DCs alive", deadline, this::allAlive);
    }

    boolean allAlive() {
        for (DcProcess d : dcs.values()) {
            if (!d.alive() || !sees(d, names, "alive")) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code observer} lists each of {@code of} with the given status. */
    boolean sees(DcProcess observer, List<String> of, String status) {
        Http.Resp r = observer.get("/federation/dcs");
        if (r.status() != 200) {
            return false;
        }
        Map<String, String> st = new LinkedHashMap<>();
        for (JsonNode x : r.json()) {
            st.put(x.path("name").asText(), x.path("status").asText());
        }
        for (String n : of) {
            if (!status.equals(st.get(n))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Cuts the DCs of {@code side} off from the other DCs (iptables in their namespaces, and the WAN proxies
     * between the two sides); the DCs of one side still reach each other.
     */
    void partition(String... side) {
        List<String> cut = List.of(side);
        List<String> others = new ArrayList<>(names);
        others.removeAll(cut);
        List<Integer> otherProxies = new ArrayList<>();
        for (String o : others) {
            otherProxies.add(proxies.get(o).port());
            otherProxies.add(fedProxies.get(o).port());
        }
        Network net = run.network();
        for (String dc : cut) {
            net.partition(dc, others, otherProxies);
        }
        for (String dc : cut) {
            for (String o : others) {
                for (Map<String, DelayProxy> kind : List.of(proxies, fedProxies)) {
                    kind.get(dc).cutFrom(net.hostOf(o));
                    kind.get(o).cutFrom(net.hostOf(dc));
                }
            }
        }
    }

    /** Ends the partition of {@link #partition}. */
    void heal(String... side) {
        Network net = run.network();
        for (String dc : side) {
            net.heal(dc);
        }
        for (Map<String, DelayProxy> kind : List.of(proxies, fedProxies)) {
            for (DelayProxy p : kind.values()) {
                for (String n : names) {
                    p.healFrom(net.hostOf(n));
                }
            }
        }
    }

    /**
     * SIGKILL of a DC, and its WAN link with it: the delay proxy would otherwise go on delivering the megabytes
     * it buffers (far more than a real link has in flight), so the peers would not notice the death mid-transfer.
     */
    void kill(String dc) {
        dcs.get(dc).kill9();
        proxies.get(dc).cut();
        fedProxies.get(dc).cut();
    }

    /** Starts a killed or stopped DC again on its data dir, its link back, and waits until all DCs see each other. */
    void restart(String dc) {
        proxies.get(dc).heal();
        fedProxies.get(dc).heal();
        dcs.get(dc).start(Duration.ofSeconds(120));
        awaitAllAlive(Duration.ofSeconds(90));
    }

    DcProcess dc(String name) {
        return dcs.get(name);
    }

    /** The proxy in front of a DC's peer listener: what the WAN carried of files and forwarded changes. */
    DelayProxy proxy(String name) {
        return proxies.get(name);
    }

    List<String> names() {
        return names;
    }

    List<DcProcess> all() {
        return List.copyOf(dcs.values());
    }

    static void join(List<CompletableFuture<Void>> fs) {
        try {
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (DcProcess d : dcs.values()) {
            stops.add(CompletableFuture.runAsync(d::stop));
        }
        try {
            join(stops);
        } catch (RuntimeException e) {
            run.log("  stopping DCs: " + e);
        }
        for (String dc : List.copyOf(proxies.keySet())) {
            run.network().heal(dc);
        }
        proxies.values().forEach(DelayProxy::close);
        fedProxies.values().forEach(DelayProxy::close);
    }
}
