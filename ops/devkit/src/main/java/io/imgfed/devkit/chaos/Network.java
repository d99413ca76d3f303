package io.imgfed.devkit.chaos;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the DCs live. As root: a bridge {@code imgfed-br0} (10.77.0.1/24) in this namespace and, per DC, a
 * network namespace {@code imgfed-<dc>} with a veth into the bridge (10.77.0.11, .12, ...) and its loopback
 * up; DC processes run inside their namespace, and the runner (Kafka, the WAN delay proxies, the probes)
 * sits on 10.77.0.1. Otherwise (not root, or {@code ip netns} unusable): everything on loopback, and the
 * scenarios that need real cuts are skipped with the reason.
 */
final class Network {
    static final String BRIDGE = "imgfed-br0";
    static final String HUB = "10.77.0.1";
    private static final String CHAIN = "imgfed-partition";

    private final Ledger ledger;
    private final boolean namespaces;
    private final String unavailableReason;
    private final Map<String, String> hosts = new LinkedHashMap<>();
    private final Map<String, Boolean> partitioned = new LinkedHashMap<>();

    private Network(Ledger ledger, boolean namespaces, String unavailableReason) {
        this.ledger = ledger;
        this.namespaces = namespaces;
        this.unavailableReason = unavailableReason;
    }

    /** Sets up namespaces for {@code dcs} when possible, else a loopback network saying why. */
    static Network create(Ledger ledger, List<String> dcs, boolean wantNamespaces) {
        if (!wantNamespaces) {
            return new Network(ledger, false, "network namespaces disabled (--loopback)");
        }
        String why = probe();
        if (why != null) {
            return new Network(ledger, false, why);
        }
        Network n = new Network(ledger, true, null);
        try {
            n.build(dcs);
            return n;
        } catch (RuntimeException e) {
            ledger.cleanUp();
            return new Network(ledger, false, "setting up network namespaces failed: " + e.getMessage());
        }
    }

    private static String probe() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root (network namespaces, iptables and tmpfs mounts need root)";
        }
        for (String tool : new String[] {"ip", "iptables"}) {
            if (!Shell.run("sh", "-c", "command -v " + tool).ok()) {
                return tool + " is not installed";
            }
        }
        if (Shell.run("ip", "link", "show", BRIDGE).ok()) {
            return "a bridge " + BRIDGE + " already exists (another chaos run, or a leftover: ip link del " + BRIDGE + ")";
        }
        Shell.Result r = Shell.run("ip", "netns", "list");
        if (!r.ok()) {
            return "ip netns does not work here: " + r.output();
        }
        return null;
    }

    private void build(List<String> dcs) {
        Shell.must("ip", "link", "add", BRIDGE, "type", "bridge");
        ledger.add("link", BRIDGE);
        Shell.must("ip", "addr", "add", HUB + "/24", "dev", BRIDGE);
        Shell.must("ip", "link", "set", BRIDGE, "up");
        int i = 11;
        for (String dc : dcs) {
            String ns = ns(dc);
            String ip = "10.77.0." + i++;
            String host = "imgfed-" + dc + "-h";
            String peer = "imgfed-" + dc + "-n";
            if (host.length() > 15) {
                throw new IllegalArgumentException("DC name too long for an interface name: " + dc);
            }
            if (Shell.run("ip", "netns", "pids", ns).ok()) {
                throw new IllegalStateException("network namespace " + ns + " already exists");
            }
            Shell.must("ip", "netns", "add", ns);
            ledger.add("netns", ns);
            Shell.must("ip", "link", "add", host, "type", "veth", "peer", "name", peer);
            ledger.add("link", host);
            Shell.must("ip", "link", "set", host, "master", BRIDGE, "up");
            Shell.must("ip", "link", "set", peer, "netns", ns);
            Shell.must("ip", "-n", ns, "addr", "add", ip + "/24", "dev", peer);
            Shell.must("ip", "-n", ns, "link", "set", peer, "up");
            Shell.must("ip", "-n", ns, "link", "set", "lo", "up");
            hosts.put(dc, ip);
        }
        // Each namespace reaches the hub (TCP connect from inside it to a listener of ours on the bridge).
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName(HUB))) {
            Thread acceptor = new Thread(() -> {
                while (!probe.isClosed()) {
                    try {
                        probe.accept().close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "imgfed-bridge-probe");
            acceptor.setDaemon(true);
            acceptor.start();
            Await.until("every namespace to reach " + HUB + " over the bridge", java.time.Duration.ofSeconds(15), () -> {
                for (String dc : dcs) {
                    if (!Shell.run("ip", "netns", "exec", ns(dc), "bash", "-c",
                            "exec 3<>/dev/tcp/" + HUB + "/" + probe.getLocalPort()).ok()) {
                        return false;
                    }
                }
                return true;
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String ns(String dc) {
        return "imgfed-" + dc;
    }

    boolean namespaces() {
        return namespaces;
    }

    /** Why there are no namespaces (null when there are). */
    String unavailableReason() {
        return unavailableReason;
    }

    /** The address the runner's services (Kafka, delay proxies) listen on, reachable from every DC. */
    String hub() {
        return namespaces ? HUB : "127.0.0.1";
    }

    /** The address a DC's listeners bind to. */
    String hostOf(String dc) {
        if (!namespaces) {
            return "127.0.0.1";
        }
        String h = hosts.get(dc);
        if (h == null) {
            throw new IllegalArgumentException("no namespace for DC " + dc);
        }
        return h;
    }

    /** The command that runs {@code cmd} in the DC's network. */
    List<String> command(String dc, List<String> cmd) {
        if (!namespaces) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", ns(dc)));
        out.addAll(cmd);
        return out;
    }

    /**
     * Cuts {@code dc} off from {@code others}: in its namespace, DROP everything to and from their
     * addresses, and to and from the hub ports {@code othersProxyPorts} (their WAN proxies), so its pulls
     * and forwarded mutations cannot get through either. The hub itself stays reachable (the runner observes
     * the DC; Kafka). The delay proxies are cut by the caller.
     */
    void partition(String dc, Collection<String> others, Collection<Integer> othersProxyPorts) {
        requireNamespaces();
        String ns = ns(dc);
        partitioned.put(dc, true);
        ipt(ns, "-N", CHAIN);
        for (String o : others) {
            ipt(ns, "-A", CHAIN, "-s", hostOf(o), "-j", "DROP");
            ipt(ns, "-A", CHAIN, "-d", hostOf(o), "-j", "DROP");
        }
        for (int port : othersProxyPorts) {
            ipt(ns, "-A", CHAIN, "-d", HUB, "-p", "tcp", "--dport", String.valueOf(port), "-j", "DROP");
            ipt(ns, "-A", CHAIN, "-s", HUB, "-p", "tcp", "--sport", String.valueOf(port), "-j", "DROP");
        }
        ipt(ns, "-I", "INPUT", "-j", CHAIN);
        ipt(ns, "-I", "OUTPUT", "-j", CHAIN);
    }

    /** Removes the partition rules of {@code dc}, if it is partitioned. */
    void heal(String dc) {
        if (partitioned.remove(dc) == null) {
            return;
        }
        String ns = ns(dc);
        Shell.run("ip", "netns", "exec", ns, "iptables", "-w", "-D", "INPUT", "-j", CHAIN);
        Shell.run("ip", "netns", "exec", ns, "iptables", "-w", "-D", "OUTPUT", "-j", CHAIN);
        Shell.run("ip", "netns", "exec", ns, "iptables", "-w", "-F", CHAIN);
        Shell.run("ip", "netns", "exec", ns, "iptables", "-w", "-X", CHAIN);
    }

    /** The rules now in a DC's namespace (for the report). */
    String rules(String dc) {
        return Shell.run("ip", "netns", "exec", ns(dc), "iptables", "-w", "-S").output();
    }

    private static void ipt(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "iptables", "-w"));
        cmd.addAll(List.of(args));
        Shell.must(cmd.toArray(String[]::new));
    }

    private void requireNamespaces() {
        if (!namespaces) {
            throw new IllegalStateException("partitions need network namespaces: " + unavailableReason);
        }
    }

    /** Heals any partition left (namespaces and links go with the ledger's clean-up). */
    void close() {
        for (String dc : List.copyOf(partitioned.keySet())) {
            heal(dc);
        }
    }
}
