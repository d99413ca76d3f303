package io.imgfed.devkit;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/**
 * The demo's OCI part: a container image pushed to one DC's registry with the OCI Distribution API (an in-JVM
 * client: plain HTTP requests, so the demo needs nothing installed), its tag visible in another DC through the
 * signed records, and its layer pulled there on first use from the DC that has it.
 */
final class OciDemo {
    private final HttpClient http;
    private final PrintStream out;

    OciDemo(HttpClient http, PrintStream out) {
        this.http = http;
        this.out = out;
    }

    /** Pushes to {@code pushUrl}, pulls from {@code pullUrl}; throws IllegalStateException when a step fails. */
    void run(String pushDc, String pushUrl, String pullDc, String pullUrl) throws Exception {
        out.println("\n==> OCI: pushing a container image to " + pushDc + "'s registry (" + pushUrl + "/v2/)");
        byte[] layer = new byte[4 << 20];
        new Random(14).nextBytes(layer);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}".getBytes(StandardCharsets.UTF_8);
        String configDigest = pushBlob(pushUrl, config);
        String layerDigest = pushBlob(pushUrl, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":"
                + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> put = send("PUT", pushUrl + "/v2/demo/app/manifests/1.0", manifest,
                "application/vnd.oci.image.manifest.v1+json");
        check(put.statusCode() == 201, "the manifest push answered " + put.statusCode());
        out.println("   ✓ demo/app:1.0 pushed: manifest " + put.headers().firstValue("Docker-Content-Digest").orElse("?")
                + ", one 4 MiB layer");

        out.println("\n==> OCI: pulling demo/app:1.0 in " + pullDc + " (the tag came with the signed records)");
        HttpResponse<byte[]> got = DemoCommand.await("the tag to reach " + pullDc, Duration.ofSeconds(30), () -> {
            try {
                HttpResponse<byte[]> r = send("GET", pullUrl + "/v2/demo/app/manifests/1.0", null, null);
                return r.statusCode() == 200 ? r : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (Exception e) {
                throw new IllegalStateException(pullDc + " did not answer: " + e.getMessage());
            }
        });
        check(Arrays.equals(manifest, got.body()), "the tag did not reach " + pullDc + " with the pushed bytes");
        out.println("   ✓ manifest served by " + pullDc + ": the same bytes, " + got.headers()
                .firstValue("Content-Type").orElse("?"));
        long t = System.nanoTime();
        HttpResponse<byte[]> blob = send("GET", pullUrl + "/v2/demo/app/blobs/" + layerDigest, null, null);
        long ms = Math.max(1, (System.nanoTime() - t) / 1_000_000);
        check(blob.statusCode() == 200 && digest(blob.body()).equals(layerDigest), "the layer pulled in " + pullDc
                + " does not match its digest");
        out.printf("   ✓ layer pulled from %s on first use in %d ms, verified: %s%n",
                blob.headers().firstValue("X-Imgfed-Source").orElse("?"), ms, layerDigest);
    }

    /** The snippets that point a node's runtime at each DC's registry (for {@code --keep}). */
    static void printNodeSetUp(PrintStream out, java.util.List<String[]> dcAndUrl) {
        out.println("Point a node at a DC's registry (containerd: /etc/containerd/certs.d/<registry>/hosts.toml):");
        for (String[] d : dcAndUrl) {
            out.printf("  # %s%n  [host.\"%s\"]%n    capabilities = [\"pull\", \"resolve\"]%n", d[0], d[1]);
        }
        String first = dcAndUrl.get(0)[1].replaceFirst("^https?://", "");
        out.println("or CRI-O/podman (/etc/containers/registries.conf):");
        out.printf("  [[registry]]%n  location = \"%s\"%n  insecure = true%n", first);
        out.println("and pull " + first + "/demo/app:1.0");
    }

    private String pushBlob(String base, byte[] content) throws Exception {
        String digest = digest(content);
        HttpResponse<byte[]> r = send("POST", base + "/v2/demo/app/blobs/uploads/?digest=" + digest, content,
                "application/octet-stream");
        check(r.statusCode() == 201, "the blob push answered " + r.statusCode());
        return digest;
    }

    private HttpResponse<byte[]> send(String method, String url, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String digest(byte[] content) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException(failure);
        }
    }
}
