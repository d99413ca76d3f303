package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devtools.DelayProxy;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull that loses its source part-way resumes from the byte reached at another DC; a source that serves
 * corrupted bytes never gets them committed. DC a's peer link runs through a delaying proxy (WAN latency),
 * which the tests cut to kill the link mid-transfer. DC b pulls at a limited rate so a transfer lasts long
 * enough to be interrupted.
 */
class FailoverTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final long RATE = 4L << 20;

    @TempDir
    static Path dir;
    static DelayProxy proxyToA;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        int peerA = FreePorts.next();
        proxyToA = DelayProxy.start("127.0.0.1", peerA, Duration.ofMillis(10));
        fed = TestFederation.builder(dir)
                .common("federation: {heartbeat: 200ms, suspectAfter: 1s, goneAfter: 3s}")
                .dc("a", "peer: {port: " + peerA + ", advertise: \"" + proxyToA.address() + "\"}")
                .dc("b", "transfer: {rateLimit: " + RATE + ", retry: {initial: 200ms, max: 2s, attempts: 8}, stallTimeout: 5s}\n"
                        + "federation: {costs: {c: 2}}")
                .dc("c", "")
                .start();
    }

    @AfterAll
    static void stop() {
        fed.close();
        proxyToA.close();
    }

    @AfterEach
    void heal() {
        proxyToA.heal();
    }

    /** An image at a whose file c has pulled too, so a and c both hold it. */
    private static String heldByAandC(byte[] file, String name) {
        String uuid = fed.client("a").activeImage(name, file);
        Await.until("c knows the image", CONVERGE, () -> fed.client("c").get("/images/" + uuid).status() == 200
                && availability("c", uuid).path("dcs").path("a").path("state").asText().equals("present"));
        assertEquals(ImgapiClient.sha1(file), fed.client("c").getDigest("/images/" + uuid + "/file").sha1());
        Await.until("b sees a and c holding the file", CONVERGE, () -> {
            JsonNode dcs = availability("b", uuid).path("dcs");
            return dcs.path("a").path("state").asText().equals("present")
                    && dcs.path("c").path("state").asText().equals("present");
        });
        return uuid;
    }

    private static JsonNode availability(String dc, String uuid) {
        return fed.client(dc).get("/federation/availability?uuid=" + uuid).json().path(0);
    }

    private static JsonNode transferAtB(String uuid) {
        for (JsonNode t : fed.client("b").get("/transfers").json()) {
            if (t.path("image").asText().equals(uuid)) {
                return t;
            }
        }
        return null;
    }

    @Test
    void sourceLostMidTransferResumesFromAnotherDcWithIdenticalBytes() throws Exception {
        byte[] file = new byte[16 << 20];
        new Random(11).nextBytes(file);
        String uuid = heldByAandC(file, "failover");

        CompletableFuture<ImgapiClient.Digested> get = CompletableFuture.supplyAsync(
                () -> fed.client("b").getDigest("/images/" + uuid + "/file"));
        JsonNode running = Await.value("b a quarter through pulling from a", CONVERGE, () -> {
            JsonNode t = transferAtB(uuid);
            return t != null && t.path("bytes").asLong() >= file.length / 4 ? t : null;
        });
        assertEquals("a", running.path("source").asText(), "a is tried first: pulling from c costs more");
        proxyToA.cut();

        ImgapiClient.Digested got = get.get(60, TimeUnit.SECONDS);
        assertEquals(200, got.status());
        assertEquals(file.length, got.length());
        assertEquals(ImgapiClient.sha1(file), got.sha1(), "the requester saw only a pause");
        JsonNode done = transferAtB(uuid);
        assertEquals("completed", done.path("state").asText());
        assertEquals("c", done.path("source").asText());
        assertTrue(done.path("attempts").asInt() >= 2, done.toString());
        long moved = done.path("moved").asLong();
        assertTrue(moved >= file.length && moved < file.length + (4L << 20),
                "resumed from the byte reached, not from zero: moved " + moved);
    }

    @Test
    void corruptedBytesAreNeverCommittedAndTheFileComesFromAGoodSource() throws Exception {
        byte[] file = new byte[4 << 20];
        new Random(12).nextBytes(file);
        String uuid = heldByAandC(file, "corrupt");
        String sha1 = ImgapiClient.sha1(file);
        Path blobAtA = fed.dataDir("a").resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1);
        try (RandomAccessFile raf = new RandomAccessFile(blobAtA.toFile(), "rw")) {
            raf.seek(file.length / 2);
            raf.write(new byte[] {(byte) ~file[file.length / 2], 1, 2, 3});
        }

        ImgapiClient.Digested first = null;
        try {
            first = fed.client("b").getDigest("/images/" + uuid + "/file");
        } catch (RuntimeException reset) {
            // The requester that streamed the bad bytes has its connection cut: expected.
        }
        if (first != null) {
            assertFalse(first.status() == 200 && first.length() == file.length && !first.sha1().equals(sha1),
                    "a complete answer with wrong bytes must never happen");
        }
        JsonNode t = Await.value("the pull to complete", CONVERGE, () -> {
            JsonNode x = transferAtB(uuid);
            return x != null && x.path("state").asText().equals("completed") ? x : null;
        });
        assertEquals("c", t.path("source").asText());
        ImgapiClient.Digested again = fed.client("b").getDigest("/images/" + uuid + "/file");
        assertEquals(200, again.status());
        assertEquals(sha1, again.sha1(), "only verified bytes are committed");
        assertEquals("hit", again.header("X-Imgfed-Cache"));
        assertNotEquals(0, t.path("moved").asLong());
        // The good pieces before the bad one are kept; the bad piece's bytes from a were moved and are counted.
        long badPiece = io.imgfed.protocol.pieces.PieceList.pieceSizeFor(file.length);
        assertTrue(t.path("moved").asLong() >= file.length + badPiece,
                "the discarded attempt's bytes are counted too: " + t.path("moved").asLong());
    }
}
