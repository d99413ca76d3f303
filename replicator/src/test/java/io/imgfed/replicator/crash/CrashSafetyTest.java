package io.imgfed.replicator.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.ApiAsserts;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.RawConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as a separate process, killed during a large upload: with SIGKILL (nothing runs, nothing flushes)
 * and with SIGTERM (graceful). After a restart on the same data dir every earlier image is intact with its exact
 * bytes, the interrupted image has no file, and no partial file is visible anywhere.
 */
class CrashSafetyTest {
    private static final long BIG = 200L * 1024 * 1024;
    private static final int CHUNK = 1024 * 1024;

    /** One daemon process for both tests (each leaves it running after its restart): process starts are slow. */
    @TempDir
    static Path dir;
    static Path dataDir;
    static int port;
    static DaemonProcess daemon;
    /** Every image committed so far in this data dir, by either test: uuid to file bytes. */
    static final Map<String, byte[]> committed = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        dataDir = dir.resolve("data");
        port = FreePorts.next();
        daemon = DaemonProcess.start(dir, yaml(dataDir, port), port);
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    private static String yaml(Path dataDir, int httpPort) {
        return "dc: crash\n"
                + "data: {dir: " + dataDir + "}\n"
                + "http: {port: " + httpPort + "}\n"
                + "peer: {port: 0}\n"
                + "federation: {port: " + FreePorts.next() + "}\n";
    }

    /** A few active images with files of different sizes; uuid to file bytes. */
    private static Map<String, byte[]> earlierImages(ImgapiClient api) {
        Map<String, byte[]> images = new LinkedHashMap<>();
        Random random = new Random(System.nanoTime());
        for (int size : new int[] {1, 4096, 1_000_003, 3 * 1024 * 1024}) {
            byte[] file = new byte[size];
            random.nextBytes(file);
            images.put(api.activeImage("earlier-" + size, file), file);
        }
        return images;
    }

    /**
     * Streams a 200 MiB upload to {@code uuid} one MiB per permit from a background thread; the test hands out
     * permits, so the daemon is interrupted mid-body at a point the test chose.
     */
    private static final class SlowUpload implements AutoCloseable {
        final Semaphore permits = new Semaphore(0);
        final RawConnection conn;
        final CompletableFuture<Long> sent = new CompletableFuture<>();
        final Thread thread;

        SlowUpload(int port, String uuid) throws IOException {
            conn = RawConnection.open("127.0.0.1", port);
            conn.head("PUT /images/" + uuid + "/file?compression=gzip HTTP/1.1\nHost: 127.0.0.1\n"
                    + "Content-Type: application/octet-stream\nContent-Length: " + BIG + "\n\n");
            thread = new Thread(() -> {
                byte[] chunk = new byte[CHUNK];
                Random random = new Random(99);
                long n = 0;
                try {
                    while (n < BIG) {
                        if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
                            break;
                        }
                        random.nextBytes(chunk);
                        conn.write(chunk);
                        n += CHUNK;
                    }
                    sent.complete(n);
                } catch (IOException | InterruptedException e) {
                    sent.complete(n); // the daemon went away under us: expected
                }
            }, "slow-upload");
            thread.setDaemon(true);
            thread.start();
        }

        void send(int mib) {
            permits.release(mib);
        }

        @Override
        public void close() {
            conn.abort();
            thread.interrupt();
        }
    }

    private static Path partFile(Path dataDir) {
        List<String> names = ApiAsserts.tmpFiles(dataDir);
        return names.size() == 1 ? dataDir.resolve("tmp").resolve(names.get(0)) : null;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the slow upload and returns once its temp file exists and is seen growing. */
    private static SlowUpload uploadUntilGrowing(int port, String uuid, Path dataDir) throws IOException {
        SlowUpload up = new SlowUpload(port, uuid);
        up.send(8);
        Path part = Await.value("the upload's temp file in " + dataDir.resolve("tmp"), Duration.ofSeconds(30), () -> {
            Path p = partFile(dataDir);
            return p != null && size(p) >= 4L * CHUNK ? p : null;
        });
        long seen = size(part);
        up.send(8);
        Await.until("the temp file to grow past " + seen + " bytes", Duration.ofSeconds(30), () -> size(part) > seen);
        return up;
    }

    /** After a restart: every earlier image active with its exact bytes, the interrupted one without a file. */
    private static void assertIntact(ImgapiClient api, Map<String, byte[]> earlier, String interrupted, Path dataDir) {
        Set<String> expectedBlobs = new TreeSet<>();
        for (Map.Entry<String, byte[]> e : earlier.entrySet()) {
            JsonNode img = api.get("/images/" + e.getKey()).json();
            assertEquals("active", img.path("state").asText(), img.toString());
            String sha1 = ImgapiClient.sha1(e.getValue());
            assertEquals(sha1, img.path("files").path(0).path("sha1").asText());
            Response file = api.get("/images/" + e.getKey() + "/file");
            assertEquals(200, file.status());
            assertEquals(ImgapiClient.md5Base64(file.body()), file.header("Content-MD5"), "Content-MD5 matches the body");
            assertEquals(ImgapiClient.md5Base64(e.getValue()), file.header("Content-MD5"), "the stored md5 is the original's");
            assertArrayEquals(e.getValue(), file.body(), "byte-identical file");
            expectedBlobs.add(sha1);
        }
        JsonNode x = api.get("/images/" + interrupted).json();
        assertEquals("unactivated", x.path("state").asText(), x.toString());
        assertTrue(x.path("files").isEmpty(), "the interrupted upload left no file: " + x);
        assertEquals(List.of(), ApiAsserts.tmpFiles(dataDir), "<data>/tmp is empty");
        assertEquals(expectedBlobs, ApiAsserts.blobFiles(dataDir), "the store holds exactly the committed files");
    }

    private static byte[] freshUploadWorks(ImgapiClient api, String uuid) {
        byte[] file = new byte[2 * 1024 * 1024 + 5];
        new Random(uuid.hashCode()).nextBytes(file);
        Response up = api.upload(uuid, file);
        assertEquals(200, up.status(), up.toString());
        assertEquals(200, api.post("/images/" + uuid + "?action=activate", "{}").status());
        Response got = api.get("/images/" + uuid + "/file");
        assertArrayEquals(file, got.body());
        assertEquals(ImgapiClient.md5Base64(file), got.header("Content-MD5"));
        return file;
    }

    @Test
    void sigkillDuringUploadLosesNothingCommittedAndLeavesNoPartialFile() throws IOException {
        ImgapiClient api = daemon.client();
        Map<String, byte[]> earlier = earlierImages(api);
        String interrupted = api.create(ImgapiClient.manifest("interrupted-by-kill", "1.0.0"));

        try (SlowUpload up = uploadUntilGrowing(port, interrupted, dataDir)) {
            daemon.kill9();
        }
        assertFalse(daemon.alive());
        Path part = partFile(dataDir);
        assertTrue(part != null && size(part) > 0 && size(part) < BIG,
                "the kill came mid-upload: a partial temp file is on disk (" + ApiAsserts.tmpFiles(dataDir) + ")");

        daemon.restart();
        committed.putAll(earlier);
        assertIntact(api, committed, interrupted, dataDir);
        committed.put(interrupted, freshUploadWorks(api, interrupted));
    }

    @Test
    void sigtermDuringUploadExitsCleanlyAndPromptly() throws IOException {
        ImgapiClient api = daemon.client();
        Map<String, byte[]> earlier = earlierImages(api);
        String interrupted = api.create(ImgapiClient.manifest("interrupted-by-term", "1.0.0"));

        try (SlowUpload up = uploadUntilGrowing(port, interrupted, dataDir)) {
            long t0 = System.nanoTime();
            int code = daemon.terminate(Duration.ofSeconds(20));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, code, "exit code after SIGTERM (log: " + daemon.log() + ")");
            assertTrue(ms < 8000, "SIGTERM to exit took " + ms + " ms");
            // The uploader was told why, with a hint to retry.
            Response answer = up.conn.read(5000);
            assertEquals(503, answer.status(), answer.toString());
            assertEquals("ServiceUnavailable", answer.code());
        }
        assertEquals(List.of(), ApiAsserts.tmpFiles(dataDir), "the abandoned upload's temp file was deleted at shutdown");

        daemon.restart();
        committed.putAll(earlier);
        assertIntact(api, committed, interrupted, dataDir);
        committed.put(interrupted, freshUploadWorks(api, interrupted));
    }
}
