package io.imgfed.replicator.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.imgfed.replicator.Daemon;
import io.imgfed.replicator.config.ConfigLoader;
import io.imgfed.replicator.config.ImgfedConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A daemon in this JVM on free loopback ports with its own data dir. Build the config as YAML text;
 * {@code dc}, {@code data.dir} and the ports are filled in unless the YAML sets them.
 */
public final class TestDaemon implements AutoCloseable {
    private final Daemon daemon;
    private final ImgapiClient client;

    private TestDaemon(Daemon daemon) {
        this.daemon = daemon;
        this.client = new ImgapiClient(daemon.httpUrl());
    }

    public static TestDaemon start(Path dataDir) {
        return start(dataDir, "");
    }

    public static TestDaemon start(Path dataDir, String yaml) {
        return start(config(dataDir, yaml));
    }

    public static TestDaemon start(ImgfedConfig config) {
        try {
            return new TestDaemon(Daemon.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("daemon did not start", e);
        }
    }

    /**
     * A config from YAML with test defaults: DC "test", the given data dir, port 0 (free) for the listeners and
     * a free port for the federation member.
     */
    public static ImgfedConfig config(Path dataDir, String yaml) {
        try {
            ObjectNode tree = yaml.isBlank() ? new YAMLMapper().createObjectNode() : (ObjectNode) new YAMLMapper().readTree(yaml);
            if (!tree.has("dc")) {
                tree.put("dc", "test");
            }
            ObjectNode data = tree.has("data") ? (ObjectNode) tree.get("data") : tree.putObject("data");
            if (!data.has("dir")) {
                data.put("dir", dataDir.toString());
            }
            ObjectNode fed = tree.has("federation") ? (ObjectNode) tree.get("federation") : tree.putObject("federation");
            if (!fed.has("port")) {
                fed.put("port", FreePorts.next());
            }
            for (String listener : new String[] {"http", "peer"}) {
                ObjectNode l = tree.has(listener) ? (ObjectNode) tree.get(listener) : tree.putObject(listener);
                if (!l.has("port")) {
                    l.put("port", 0);
                }
            }
            return ConfigLoader.fromTree(tree);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("bad test YAML", e);
        }
    }

    public Daemon daemon() {
        return daemon;
    }

    public ImgapiClient client() {
        return client;
    }

    public String url() {
        return daemon.httpUrl();
    }

    @Override
    public void close() {
        try {
            daemon.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("daemon did not stop", e);
        }
    }
}
