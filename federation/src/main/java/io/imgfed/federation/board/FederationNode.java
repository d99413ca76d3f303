package io.imgfed.federation.board;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;
import io.imgfed.federation.FederationSettings;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This DC's Hazelcast member: joins the federation's cluster over TCP (no multicast) and holds the board,
 * a replicated map every member keeps a full copy of. Tells listeners when the membership changes or a
 * healed partition was merged, the moments a DC must re-announce what it owns.
 */
public final class FederationNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FederationNode.class);
    public static final String BOARD = "imgfed.board";
    /** The topic of the board's fast path ({@link RecordFanout}). */
    public static final String FANOUT = "imgfed.board.fanout";

    /** What changed in the cluster. */
    public enum TopologyChange {
        /** Another member joined this one's cluster (a DC started, or the smaller side of a partition merged in). */
        MEMBER_JOINED("joined"),
        MEMBER_LEFT("left"),
        /** This member was on the smaller side of a healed partition and merged into the larger cluster. */
        MERGED("merged");

        private final String label;

        TopologyChange(String label) {
            this.label = label;
        }

        /** The value of the metric's {@code change} label. */
        public String label() {
            return label;
        }
    }

    private final HazelcastInstance hz;
    private final List<Consumer<TopologyChange>> topologyListeners = new CopyOnWriteArrayList<>();

    private FederationNode(HazelcastInstance hz) {
        this.hz = hz;
    }

    /** Starts and joins; blocking (call it off the event loop). */
    public static FederationNode start(FederationSettings s) {
        long t0 = System.nanoTime();
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(s));
        FederationNode node = new FederationNode(hz);
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                LOG.info("federation member joined: {} (dc {})", e.getMember().getAddress(), e.getMember().getAttribute("dc"));
                node.topologyChanged(TopologyChange.MEMBER_JOINED);
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                LOG.info("federation member left: {} (dc {})", e.getMember().getAddress(), e.getMember().getAttribute("dc"));
                node.topologyChanged(TopologyChange.MEMBER_LEFT);
            }
        });
        hz.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
                LOG.info("federation partition healed: merged into the larger cluster");
                node.topologyChanged(TopologyChange.MERGED);
            }
        });
        LOG.info("joined federation cluster '{}' as {} with {} member(s) in {} ms", s.cluster(),
                hz.getCluster().getLocalMember().getAddress(), hz.getCluster().getMembers().size(),
                (System.nanoTime() - t0) / 1_000_000);
        return node;
    }

    static Config config(FederationSettings s) {
        Config cfg = new Config();
        cfg.setClusterName(s.cluster());
        cfg.setInstanceName("imgfed-" + s.dc() + "-" + UUID.randomUUID());
        cfg.setProperty("hazelcast.logging.type", "slf4j");
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        // Join at once: the default waits seconds for members that may never come.
        cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        // Split off an unreachable member as fast as imgfed itself calls a DC gone, and heal as soon as it is back.
        cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        cfg.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(Math.max(3, s.goneAfter().toSeconds())));
        cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "2");
        cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "2");
        cfg.setProperty("hazelcast.partition.count", "31");
        cfg.setProperty("hazelcast.local.localAddress", s.host());
        cfg.setProperty("hazelcast.socket.bind.any", "false");
        cfg.getMemberAttributeConfig().setAttribute("dc", s.dc());
        cfg.getJetConfig().setEnabled(false);

        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(s.port()).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface(s.host());
        if (s.advertise() != null) {
            // The member is known by this address everywhere (member list, connections, merges), so the other DCs
            // reach it through the NAT or proxy in front of it. Hazelcast binds the sockets it opens to its own
            // address unless told otherwise, which fails when that address (a proxy's) is not on this host: let
            // the kernel pick the source address of connections to other members.
            net.setPublicAddress(s.advertise());
            cfg.setProperty("hazelcast.socket.client.bind.any", "true");
        }
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(s.members());

        cfg.getReplicatedMapConfig(BOARD)
                .setInMemoryFormat(InMemoryFormat.BINARY)
                // A member answers from a complete copy, never a half-filled one.
                .setAsyncFillup(false)
                // Hazelcast's metrics collection (every 5 s) would walk every record of the board for these
                // statistics: two million records at a million images, the idle daemon's largest cost in a profile.
                .setStatisticsEnabled(false)
                .setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), 1000));
        // In order per publisher (one event thread per topic); no statistics needed.
        cfg.getTopicConfig(FANOUT).setGlobalOrderingEnabled(false).setMultiThreadingEnabled(false).setStatisticsEnabled(false);
        return cfg;
    }

    public ReplicatedMap<String, byte[]> board() {
        return hz.getReplicatedMap(BOARD);
    }

    /** The board's fast path: records sent straight to every member. */
    public RecordFanout fanout(String dc) {
        return new HazelcastFanout(hz.getTopic(FANOUT), dc);
    }

    /** Called (on a Hazelcast thread) after members joined or left or a partition merged. */
    public void onTopologyChange(Consumer<TopologyChange> listener) {
        topologyListeners.add(listener);
    }

    private void topologyChanged(TopologyChange change) {
        for (Consumer<TopologyChange> l : topologyListeners) {
            try {
                l.accept(change);
            } catch (RuntimeException e) {
                LOG.error("topology listener failed", e);
            }
        }
    }

    public int memberCount() {
        return hz.getLifecycleService().isRunning() ? hz.getCluster().getMembers().size() : 0;
    }

    /**
     * The addresses ({@code host:port}) the cluster knows its members by: each member's advertised address where
     * it has one.
     */
    public List<String> memberAddresses() {
        if (!hz.getLifecycleService().isRunning()) {
            return List.of();
        }
        return hz.getCluster().getMembers().stream()
                .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort())
                .sorted()
                .toList();
    }

    public boolean running() {
        return hz.getLifecycleService().isRunning();
    }

    @Override
    public void close() {
        try {
            hz.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("leaving the federation cluster: {}", e.toString());
        }
    }
}
