package io.imgfed.replicator.api;

import static io.imgfed.replicator.testkit.ApiAsserts.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.ApiAsserts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.RawConnection;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DC whose data.capacity is nearly used answers uploads that would not fit with 507 and stores nothing. */
class CapacityTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    static byte[] first;
    static String firstUuid;

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir, "data: {capacity: 1MiB}\n");
        api = daemon.client();
        assertEquals(MIB, daemon.daemon().config().data().capacity());
        first = new byte[700 * 1024];
        new Random(3).nextBytes(first);
        firstUuid = api.activeImage("fills-most", first);
        assertEquals(first.length, daemon.daemon().store().usedBytes());
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void uploadLargerThanTheRemainingRoomIs507() {
        String uuid = api.create(ImgapiClient.manifest("does-not-fit", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        byte[] file = new byte[400 * 1024];
        new Random(4).nextBytes(file);
        long t0 = System.nanoTime();
        Response r = api.upload(uuid, file);
        assertError(r, 507, "InsufficientStorage");
        // The client sends its whole body before reading: the answer must not wait for an idle timeout.
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "507 took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        // And the connection stays usable: the next request on it is answered.
        assertEquals(200, api.get("/ping").status());
        before.assertUnchanged(daemon.daemon());
        assertEquals("unactivated", api.get("/images/" + uuid).json().path("state").asText());
        assertTrue(api.get("/images/" + uuid).json().path("files").isEmpty());
        // The image that filled the store is untouched (homed here, so never evicted to make room).
        assertArrayEquals(first, api.get("/images/" + firstUuid + "/file").body());
    }

    @Test
    void uploadLargerThanTheWholeCapacityIs507BeforeTheBodyIsSent() throws IOException {
        String uuid = api.create(ImgapiClient.manifest("never-fits", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        int port = daemon.daemon().httpPort();
        for (long len : new long[] {400L * 1024, 2L * MIB, 5L * 1024 * MIB}) {
            try (RawConnection c = RawConnection.open("127.0.0.1", port)) {
                c.head("PUT /images/" + uuid + "/file?compression=none HTTP/1.1\nHost: x\nContent-Length: " + len + "\n\n");
                assertError(c.read(10_000), 507, "InsufficientStorage");
            }
        }
        before.assertUnchanged(daemon.daemon());
    }

    /** A body without Content-Length (chunked) was not charged at all: 16 MiB into a 1 MiB store were accepted. */
    @Test
    void chunkedUploadIsChargedAsItArrivesAnd507OnceTheCapacityIsReached() {
        String uuid = api.create(ImgapiClient.manifest("chunked-too-big", "1.0.0"));
        ApiAsserts.Snapshot before = ApiAsserts.Snapshot.of(daemon.daemon());
        byte[] file = new byte[16 * MIB];
        new Random(6).nextBytes(file);
        Response r = chunked(uuid, file);
        assertError(r, 507, "InsufficientStorage");
        before.assertUnchanged(daemon.daemon());
        assertTrue(api.get("/images/" + uuid).json().path("files").isEmpty());
        assertEquals(0, daemon.daemon().store().usedBytes() - first.length, "nothing half-stored");
    }

    @Test
    void chunkedUploadThatFitsIsStored() {
        String uuid = api.create(ImgapiClient.manifest("chunked-fits", "1.0.0"));
        byte[] file = new byte[200 * 1024];
        new Random(7).nextBytes(file);
        Response r = chunked(uuid, file);
        assertEquals(200, r.status(), r.toString());
        assertEquals(file.length, r.json().path("files").path(0).path("size").asLong());
        assertEquals(204, api.delete("/images/" + uuid).status());
    }

    /** PUTs a file with a body of unknown length: HTTP/1.1 chunked transfer encoding. */
    private static Response chunked(String uuid, byte[] file) {
        return api.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.base() + "/images/" + uuid
                        + "/file?compression=none"))
                .header("Content-Type", "application/octet-stream")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(file))));
    }

    @Test
    void uploadThatFitsStillWorks() {
        String uuid = api.create(ImgapiClient.manifest("fits", "1.0.0"));
        byte[] small = new byte[100 * 1024];
        new Random(5).nextBytes(small);
        Response r = api.upload(uuid, small);
        assertEquals(200, r.status(), r.toString());
        assertEquals(first.length + small.length, daemon.daemon().store().usedBytes());
        assertEquals(204, api.delete("/images/" + uuid).status());
        assertEquals(first.length, daemon.daemon().store().usedBytes());
    }
}
