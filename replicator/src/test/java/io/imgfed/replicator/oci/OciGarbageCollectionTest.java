package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI front's garbage collector: a manifest no tag reaches any more, and the blobs only it referenced (and a
 * blob nothing ever referenced), are deleted with their files once past the grace; what a tag still reaches stays.
 * The collector runs every 200 ms with a grace of 5 s, so the blobs of each push, uploaded before its manifest,
 * must survive the passes in between (with a grace of 1 ms the manifest push is refused: checked).
 */
class OciGarbageCollectionTest {
    @TempDir
    Path dir;
    TestDaemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Path blobFile(Path data, byte[] content) throws Exception {
        String sha1 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(content));
        return data.resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1);
    }

    @Test
    void whatNoTagReachesIsCollectedWithItsFilesAndWhatATagReachesStays() throws Exception {
        Path data = dir.resolve("data");
        daemon = TestDaemon.start(data, "oci: {gcGrace: 5s, gcInterval: 200ms}\n");
        OciClient oci = new OciClient(daemon.url());
        byte[] config1 = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] config2 = "{\"v\":2}".getBytes(StandardCharsets.UTF_8);
        byte[] oldLayer = random(50_000, 1);
        byte[] newLayer = random(60_000, 2);
        byte[] orphan = random(10_000, 3);
        byte[] m1 = OciClient.imageManifest(oci.pushBlob("team/app", config1), config1.length,
                oci.pushBlob("team/app", oldLayer), String.valueOf(oldLayer.length));
        assertEquals(201, oci.send("PUT", "/v2/team/app/manifests/latest", m1,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        byte[] m2 = OciClient.imageManifest(oci.pushBlob("team/app", config2), config2.length,
                oci.pushBlob("team/app", newLayer), String.valueOf(newLayer.length));
        assertEquals(201, oci.send("PUT", "/v2/team/app/manifests/latest", m2,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        String orphanDigest = oci.pushBlob("team/app", orphan);
        String old = OciClient.digest(m1);

        Await.until("the untagged manifest, its blobs and the orphan blob collected", Duration.ofSeconds(60), () ->
                oci.send("GET", "/v2/team/app/manifests/" + old, null).status() == 404
                        && oci.send("HEAD", "/v2/team/app/blobs/" + OciClient.digest(oldLayer), null).status() == 404
                        && oci.send("HEAD", "/v2/team/app/blobs/" + orphanDigest, null).status() == 404);
        Await.until("their files deleted from the store", Duration.ofSeconds(30), () -> {
            try {
                return !Files.exists(blobFile(data, oldLayer)) && !Files.exists(blobFile(data, orphan));
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(200, oci.send("GET", "/v2/team/app/manifests/latest", null).status(), "the tagged manifest stays");
        assertEquals(200, oci.send("GET", "/v2/team/app/blobs/" + OciClient.digest(newLayer), null).status());
        assertEquals(200, oci.send("GET", "/v2/team/app/blobs/" + OciClient.digest(config2), null).status());
        assertTrue(Files.exists(blobFile(data, newLayer)));
    }
}
