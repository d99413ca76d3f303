package io.imgfed.replicator.oci;

import io.imgfed.replicator.testkit.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's CNCF Distribution registry ({@code docker-registry}, as CI installs it) on loopback, the upstream
 * the mirror tests fetch from. Its own access log says what it served, so a test counts upstream requests
 * the way an operator would, not by asking imgfed. It can be stopped and started again on the same port and
 * storage, to play an upstream that goes down and comes back.
 */
final class UpstreamRegistry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Path dir;
    private final int port;
    private Process process;
    private int run;

    private UpstreamRegistry(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    static UpstreamRegistry start(Path dir) throws IOException {
        return start(dir, "");
    }

    /** With extra top-level configuration (an {@code auth:} section). */
    static UpstreamRegistry start(Path dir, String extraYaml) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage") + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n" + extraYaml);
        UpstreamRegistry r = new UpstreamRegistry(dir, port);
        r.startAgain();
        return r;
    }

    /** Starts the registry (again) on the same port and storage, and waits until it answers. */
    void startAgain() throws IOException {
        run++;
        process = new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("access-" + run + ".log").toFile()).start();
        OciClient client = new OciClient(url());
        Await.until("docker-registry answering on port " + port, Duration.ofSeconds(30), () -> {
            try {
                int status = client.send("GET", "/v2/", null).status();
                return status == 200 || status == 401;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    /** Kills it (SIGKILL: an upstream that dies, not one that says goodbye). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The host:port clients name it by (containerd's {@code ns}). */
    String host() {
        return "127.0.0.1:" + port;
    }

    /** How many requests of its access logs (every run) start with {@code method path}, e.g. "GET /v2/a/blobs/sha256:...". */
    long requests(String methodAndPath) throws IOException {
        long n = 0;
        for (int i = 1; i <= run; i++) {
            for (String line : Files.readAllLines(dir.resolve("access-" + i + ".log"))) {
                if (line.contains("\"" + methodAndPath + " ")) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Its access logs' request lines (for failure messages). */
    String log() {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= run; i++) {
            try {
                Files.readAllLines(dir.resolve("access-" + i + ".log")).stream().filter(l -> l.contains(" HTTP/1."))
                        .forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append(e).append('\n');
            }
        }
        return out.toString();
    }

    /** Pushes a blob: POST to start, PUT with the whole body and its digest. */
    String pushBlob(String repo, byte[] content) {
        return pushBlob(new OciClient(url()), repo, content);
    }

    /** Pushes a blob with a given client (one that carries credentials). */
    String pushBlob(OciClient client, String repo, byte[] content) {
        String digest = OciClient.digest(content);
        OciClient.Response started = client.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        if (started.status() != 202) {
            throw new AssertionError("upstream upload answered " + started.status());
        }
        String location = client.absolute(started.header("Location"));
        OciClient.Response put = client.send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                content, "Content-Type", "application/octet-stream");
        if (put.status() != 201) {
            throw new AssertionError("upstream blob PUT answered " + put.status() + ": " + new String(put.body()));
        }
        return digest;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            kill();
        }
    }
}
