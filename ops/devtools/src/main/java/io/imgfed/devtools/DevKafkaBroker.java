package io.imgfed.devtools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker (KRaft: broker and controller in one) in this JVM on loopback, with its data
 * in a folder of its own. It can be stopped and started again on the same port and data, which is how the
 * tests take Kafka down and bring it back. Development tooling only: the daemon never starts one.
 */
public final class DevKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DevKafkaBroker.class);

    private final Path dir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    private DevKafkaBroker(Path dir, String host, int port, int controllerPort) {
        this.dir = dir;
        this.host = host;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Formats a new broker in {@code dir} on free loopback ports and starts it; returns once it serves. */
    public static DevKafkaBroker start(Path dir) {
        return start(dir, "127.0.0.1");
    }

    /**
     * Like {@link #start(Path)}, with the client listener on {@code host} (an address of this machine, say a
     * bridge that network namespaces reach); the controller stays on loopback.
     */
    public static DevKafkaBroker start(Path dir, String host) {
        DevKafkaBroker b = new DevKafkaBroker(dir, host, freePort(host), freePort("127.0.0.1"));
        b.format();
        b.startServer();
        return b;
    }

    public String bootstrap() {
        return host + ":" + port;
    }

    public int port() {
        return port;
    }

    public boolean running() {
        return server != null;
    }

    /** Stops the broker; its data stays for {@link #restart()}. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("dev Kafka broker on {} stopped", bootstrap());
    }

    /** Starts the broker again on the same port and data. */
    public synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    /** Creates a topic unless it exists. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name, e.getCause());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.resolve("logs").toString());
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "true");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("controlled.shutdown.enable", "false");
        return p;
    }

    private void format() {
        try {
            Files.createDirectories(dir);
            Path props = dir.resolve("server.properties");
            try (var out = Files.newOutputStream(props)) {
                properties().store(out, "imgfed dev Kafka broker");
            }
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()},
                    new PrintStream(buf, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IllegalStateException("formatting Kafka storage failed: " + buf.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startServer() {
        long t0 = System.nanoTime();
        server = new KafkaRaftServer(new KafkaConfig(properties()), Time.SYSTEM);
        server.startup();
        awaitReady();
        LOG.info("dev Kafka broker serving on {} ({} ms)", bootstrap(), (System.nanoTime() - t0) / 1_000_000);
    }

    private void awaitReady() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the dev Kafka broker did not come up", e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
