package io.imgfed.replicator.testkit;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;
import java.util.List;
import java.util.UUID;

/**
 * A plain Hazelcast member that joins a federation's cluster the way a DC does (same cluster name, TCP-IP
 * join) but runs no imgfed: it can read and write the board directly, as an attacker on the federation
 * network could (Hazelcast OSS has no member authentication).
 */
public final class RogueMember implements AutoCloseable {
    public static final String BOARD = "imgfed.board";

    private final HazelcastInstance hz;

    private RogueMember(HazelcastInstance hz) {
        this.hz = hz;
    }

    public static RogueMember join(String cluster, List<String> members) {
        Config cfg = new Config();
        cfg.setClusterName(cluster);
        cfg.setInstanceName("rogue-" + UUID.randomUUID());
        cfg.setProperty("hazelcast.logging.type", "slf4j");
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.partition.count", "31");
        cfg.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        cfg.setProperty("hazelcast.socket.bind.any", "false");
        cfg.getJetConfig().setEnabled(false);
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(FreePorts.next()).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(members);
        cfg.getReplicatedMapConfig(BOARD)
                .setInMemoryFormat(InMemoryFormat.BINARY)
                .setAsyncFillup(false)
                .setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), 1000));
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(cfg);
        if (hz.getCluster().getMembers().size() < 2) {
            hz.shutdown();
            throw new AssertionError("the rogue member did not join the federation cluster at " + members);
        }
        return new RogueMember(hz);
    }

    public ReplicatedMap<String, byte[]> board() {
        return hz.getReplicatedMap(BOARD);
    }

    public int clusterSize() {
        return hz.getCluster().getMembers().size();
    }

    @Override
    public void close() {
        hz.shutdown();
    }
}
