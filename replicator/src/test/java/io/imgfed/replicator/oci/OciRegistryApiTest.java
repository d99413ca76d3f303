package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.TestDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI front of one DC over real HTTP: push (monolithic, chunked, mount), pull (manifests by tag and digest,
 * blobs with ranges), tags with pagination, deletes, the spec's errors for bad input with nothing stored, and
 * everything acknowledged surviving a restart.
 */
class OciRegistryApiTest {
    @TempDir
    Path dir;
    TestDaemon daemon;
    OciClient oci;

    @BeforeEach
    void start() {
        daemon = TestDaemon.start(dir);
        oci = new OciClient(daemon.url());
    }

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

    @Test
    void theBaseEndpointAnswersWithTheApiVersion() {
        OciClient.Response r = oci.send("GET", "/v2/", null);
        assertEquals(200, r.status());
        assertEquals("registry/2.0", r.header("Docker-Distribution-API-Version"));
        // A doubled slash is the path the router matched, as a web server merging slashes would take it.
        assertEquals(200, oci.send("GET", "//v2/", null).status());
        oci.send("GET", "/v2/team/none/manifests/latest", null);
        io.imgfed.replicator.testkit.Await.until("the OCI requests counted", java.time.Duration.ofSeconds(30), () -> {
            String metrics = new String(oci.send("GET", "/metrics", null).body(), StandardCharsets.UTF_8);
            return metrics.contains("imgfed_front_requests_total{front=\"oci\",method=\"GET\",status=\"200\"}")
                    && metrics.contains("imgfed_front_requests_total{front=\"oci\",method=\"GET\",status=\"404\"}");
        });
    }

    @Test
    void aPushedImageIsPulledByTagAndDigestWithItsExactBytes() {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = random(300_000, 1);
        String configDigest = oci.pushBlob("team/app", config);
        String layerDigest = oci.pushBlob("team/app", layer);
        byte[] manifest = OciClient.imageManifest(configDigest, config.length, layerDigest, String.valueOf(layer.length));
        OciClient.Response put = oci.send("PUT", "/v2/team/app/manifests/1.0", manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertEquals(201, put.status(), new String(put.body()));
        String digest = OciClient.digest(manifest);
        assertEquals(digest, put.header("Docker-Content-Digest"));

        for (String ref : new String[] {"1.0", digest}) {
            OciClient.Response get = oci.send("GET", "/v2/team/app/manifests/" + ref, null,
                    "Accept", "application/vnd.docker.distribution.manifest.v2+json",
                    "Accept", "application/vnd.oci.image.manifest.v1+json");
            assertEquals(200, get.status());
            assertArrayEquals(manifest, get.body(), "the stored bytes, unchanged");
            assertEquals("application/vnd.oci.image.manifest.v1+json", get.header("Content-Type"));
            assertEquals(digest, get.header("Docker-Content-Digest"));
            OciClient.Response head = oci.send("HEAD", "/v2/team/app/manifests/" + ref, null);
            assertEquals(200, head.status());
            assertEquals(String.valueOf(manifest.length), head.header("Content-Length"));
        }
        OciClient.Response blob = oci.send("GET", "/v2/team/app/blobs/" + layerDigest, null);
        assertEquals(200, blob.status());
        assertArrayEquals(layer, blob.body());
        assertEquals(layerDigest, blob.header("Docker-Content-Digest"));
        OciClient.Response part = oci.send("GET", "/v2/team/app/blobs/" + layerDigest, null, "Range", "bytes=100-199");
        assertEquals(206, part.status());
        assertArrayEquals(Arrays.copyOfRange(layer, 100, 200), part.body());
        OciClient.Response outside = oci.send("GET", "/v2/team/app/blobs/" + layerDigest, null,
                "Range", "bytes=" + layer.length + "-");
        assertEquals(416, outside.status());
    }

    @Test
    void aChunkedUploadAppendsWhereItEndsAndCommitsOnlyTheRightDigest() {
        byte[] content = random(100_000, 2);
        OciClient.Response start = oci.send("POST", "/v2/team/app/blobs/uploads/", null);
        assertEquals(202, start.status());
        String location = oci.absolute(start.header("Location"));
        assertEquals("0-0", start.header("Range"));
        OciClient.Response first = oci.send("PATCH", location, Arrays.copyOfRange(content, 0, 40_000),
                "Content-Range", "0-39999", "Content-Type", "application/octet-stream");
        assertEquals(202, first.status(), new String(first.body()));
        assertEquals("0-39999", first.header("Range"));
        OciClient.Response wrong = oci.send("PATCH", location, Arrays.copyOfRange(content, 50_000, 60_000),
                "Content-Range", "50000-59999", "Content-Type", "application/octet-stream");
        assertEquals(416, wrong.status(), "a chunk that does not start where the upload ends");
        OciClient.Response status = oci.send("GET", location, null);
        assertEquals(204, status.status());
        assertEquals("0-39999", status.header("Range"), "the refused chunk left nothing");
        OciClient.Response second = oci.send("PATCH", location, Arrays.copyOfRange(content, 40_000, 100_000),
                "Content-Type", "application/octet-stream");
        assertEquals(202, second.status());
        String digest = OciClient.digest(content);
        OciClient.Response done = oci.send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                new byte[0]);
        assertEquals(201, done.status(), new String(done.body()));
        assertEquals(digest, done.header("Docker-Content-Digest"));
        assertArrayEquals(content, oci.send("GET", "/v2/team/app/blobs/" + digest, null).body());
        assertEquals("BLOB_UPLOAD_UNKNOWN", oci.send("GET", location, null).errorCode(), "the session is over");
    }

    @Test
    void contentThatDoesNotMatchItsDigestIsRefusedAndNothingIsStored() throws IOException {
        byte[] content = random(50_000, 3);
        String claimed = OciClient.digest("something else".getBytes(StandardCharsets.UTF_8));
        OciClient.Response r = oci.send("POST", "/v2/team/app/blobs/uploads/?digest=" + claimed, content);
        assertEquals(400, r.status());
        assertEquals("DIGEST_INVALID", r.errorCode());
        assertEquals(404, oci.send("HEAD", "/v2/team/app/blobs/" + claimed, null).status());
        assertEquals(404, oci.send("HEAD", "/v2/team/app/blobs/" + OciClient.digest(content), null).status());
        try (Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, tmp.count(), "no temp file left");
        }
    }

    @Test
    void aManifestWhoseBlobsAreMissingIsRefused() {
        String config = oci.pushBlob("team/app", "{}".getBytes(StandardCharsets.UTF_8));
        String missing = OciClient.digest("never pushed".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = OciClient.imageManifest(config, 2, missing, "12");
        OciClient.Response r = oci.send("PUT", "/v2/team/app/manifests/latest", manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertEquals(404, r.status());
        assertEquals("MANIFEST_BLOB_UNKNOWN", r.errorCode());
        assertEquals("NAME_UNKNOWN", oci.send("GET", "/v2/team/app/manifests/latest", null).errorCode());
    }

    @Test
    void badInputGetsTheSpecsErrors() {
        assertBad("GET", "/v2/Team/App/manifests/latest", null, 400, "NAME_INVALID");
        // the shared callers' refusal of a malformed ?account= (found by HttpApiFuzzTest as a 500)
        assertBad("PUT", "/v2/team/app/blobs?account=%7BP%EF%BF%BD", null, 403, "DENIED");
        assertBad("GET", "/v2/team/app/blobs/sha256:1234", null, 400, "DIGEST_INVALID");
        assertBad("GET", "/v2/team/app/manifests/-bad-tag", null, 400, "TAG_INVALID");
        assertBad("PUT", "/v2/team/app/manifests/latest", "not json".getBytes(StandardCharsets.UTF_8), 400,
                "MANIFEST_INVALID");
        assertBad("PUT", "/v2/team/app/manifests/latest", new byte[5 << 20], 400, "MANIFEST_INVALID");
        assertBad("GET", "/v2/team/app/tags/list?n=-1", null, 400, null);
        // found by HttpApiFuzzTest: the front parses the path the router matched, not the raw one
        assertBad("PUT", "//v2/te?am/0app/manifests/t", null, 404, "NAME_UNKNOWN");
        assertBad("GET", "//v2//team/app/manifests/-bad-tag", null, 400, "TAG_INVALID");
        assertBad("PATCH", "/v2/team/app/blobs/uploads/no-such-session", new byte[10], 404, "BLOB_UPLOAD_UNKNOWN");
        String config = oci.pushBlob("team/app", "{}".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = OciClient.imageManifest(config, 2);
        String wrongDigest = OciClient.digest("x".getBytes(StandardCharsets.UTF_8));
        assertBad("PUT", "/v2/team/app/manifests/" + wrongDigest, manifest, 400, "DIGEST_INVALID");
    }

    private void assertBad(String method, String path, byte[] body, int status, String code) {
        OciClient.Response r = oci.send(method, path, body, "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertEquals(status, r.status(), method + " " + path + ": " + new String(r.body()));
        assertNotNull(r.json().path("errors").path(0).path("message").asText(null), "a spec error body");
        if (code != null) {
            assertEquals(code, r.errorCode(), method + " " + path);
        }
    }

    @Test
    void tagsArePagedAndDeletedTagsAreGone() {
        String config = oci.pushBlob("lib/base", "{}".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = OciClient.imageManifest(config, 2);
        for (String tag : new String[] {"c", "a", "b"}) {
            assertEquals(201, oci.send("PUT", "/v2/lib/base/manifests/" + tag, manifest,
                    "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        }
        OciClient.Response page = oci.send("GET", "/v2/lib/base/tags/list?n=2", null);
        assertEquals(200, page.status());
        assertEquals("[\"a\",\"b\"]", page.json().path("tags").toString());
        assertNotNull(page.header("Link"));
        assertTrue(page.header("Link").contains("last=b"), page.header("Link"));
        OciClient.Response rest = oci.send("GET", "/v2/lib/base/tags/list?n=2&last=b", null);
        assertEquals("[\"c\"]", rest.json().path("tags").toString());
        assertNull(rest.header("Link"));
        assertEquals(202, oci.send("DELETE", "/v2/lib/base/manifests/b", null).status());
        assertEquals("MANIFEST_UNKNOWN", oci.send("GET", "/v2/lib/base/manifests/b", null).errorCode());
        assertEquals(200, oci.send("GET", "/v2/lib/base/manifests/a", null).status(), "other tags stay");
    }

    @Test
    void aMountOfAKnownBlobNeedsNoUpload() {
        String digest = oci.pushBlob("team/one", random(1000, 4));
        OciClient.Response r = oci.send("POST", "/v2/team/two/blobs/uploads/?mount=" + digest + "&from=team/one", null);
        assertEquals(201, r.status());
        assertEquals(digest, r.header("Docker-Content-Digest"));
        OciClient.Response unknown = oci.send("POST", "/v2/team/two/blobs/uploads/?mount="
                + OciClient.digest(new byte[] {9}) + "&from=team/one", null);
        assertEquals(202, unknown.status(), "an unknown blob starts an upload instead");
    }

    @Test
    void everythingAcknowledgedSurvivesARestart() {
        byte[] layer = random(20_000, 5);
        String config = oci.pushBlob("team/app", "{}".getBytes(StandardCharsets.UTF_8));
        String layerDigest = oci.pushBlob("team/app", layer);
        byte[] manifest = OciClient.imageManifest(config, 2, layerDigest, String.valueOf(layer.length));
        assertEquals(201, oci.send("PUT", "/v2/team/app/manifests/v1", manifest,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        daemon.close();
        daemon = TestDaemon.start(dir);
        oci = new OciClient(daemon.url());
        OciClient.Response get = oci.send("GET", "/v2/team/app/manifests/v1", null);
        assertEquals(200, get.status());
        assertArrayEquals(manifest, get.body());
        assertArrayEquals(layer, oci.send("GET", "/v2/team/app/blobs/" + layerDigest, null).body());
    }
}
