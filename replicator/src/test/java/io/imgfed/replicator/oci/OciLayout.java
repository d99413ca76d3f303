package io.imgfed.replicator.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Writes an OCI image layout (oci-layout, index.json, blobs/sha256/...) on disk, with layers made by {@code tar}
 * and {@code gzip}: an image for skopeo and containerd to push or pull, made without any network.
 */
final class OciLayout {
    record Image(String manifestDigest, List<String> layerDigests) {
    }

    private OciLayout() {
    }

    /** One image, tagged {@code tag}, with one layer per entry of {@code layerSizes} (random content). */
    static Image write(Path layout, String tag, long seed, int... layerSizes) throws IOException, InterruptedException {
        Path blobs = layout.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<String> layers = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        Random random = new Random(seed);
        for (int i = 0; i < layerSizes.length; i++) {
            Path src = Files.createTempDirectory(layout.getParent(), "layer");
            byte[] content = new byte[layerSizes[i]];
            random.nextBytes(content);
            Files.write(src.resolve("file-" + i + ".bin"), content);
            Path tar = layout.getParent().resolve("layer-" + seed + "-" + i + ".tar");
            run("tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C", src.toString(), "-cf", tar.toString(), ".");
            diffIds.add(OciClient.digest(Files.readAllBytes(tar)));
            run("gzip", "-n", "-f", tar.toString());
            byte[] gz = Files.readAllBytes(Path.of(tar + ".gz"));
            String digest = put(blobs, gz);
            layers.add(digest);
            sizes.add((long) gz.length);
        }
        StringBuilder ids = new StringBuilder();
        for (String d : diffIds) {
            ids.append(ids.length() == 0 ? "" : ",").append('"').append(d).append('"');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/true\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = put(blobs, config);
        String[] layerArgs = new String[layers.size() * 2];
        for (int i = 0; i < layers.size(); i++) {
            layerArgs[2 * i] = layers.get(i);
            layerArgs[2 * i + 1] = String.valueOf(sizes.get(i));
        }
        byte[] manifest = OciClient.imageManifest(configDigest, config.length, layerArgs);
        String manifestDigest = put(blobs, manifest);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
                + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
        return new Image(manifestDigest, layers);
    }

    private static String put(Path blobs, byte[] content) throws IOException {
        String digest = OciClient.digest(content);
        Files.write(blobs.resolve(digest.substring("sha256:".length())), content);
        return digest;
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish within 120 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + text);
        }
        return text;
    }
}
