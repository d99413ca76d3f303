package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source whose copy of a file is corrupt on disk. Before, a {@code Range} request to the pulling DC was answered
 * {@code 206} with exactly the corrupt bytes while the pull ran, and again after the pull had failed verification.
 * Now every piece is checked against the list the home DC signed before a byte of it is served: the bad piece is
 * blamed on the one source that sent it, fetched again from another, and a range is answered only with verified
 * bytes.
 */
class CorruptSourceTest {
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final int MIB = 1 << 20;
    private static final int PIECE = 4 * MIB;

    @TempDir
    Path dir;

    private static String blobPath(TestFederation fed, String dc, String sha1) {
        return fed.dataDir(dc).resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1).toString();
    }

    /** Flips bits in the stored copy of a file, as a failing disk would. */
    private static void corrupt(TestFederation fed, String dc, String sha1, long at) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(blobPath(fed, dc, sha1), "rw")) {
            f.seek(at);
            byte[] b = new byte[64];
            f.readFully(b);
            for (int i = 0; i < b.length; i++) {
                b[i] ^= 0x5a;
            }
            f.seek(at);
            f.write(b);
        }
    }

    private static String range(long from, long to) {
        return "bytes=" + from + "-" + to;
    }

    @Test
    void aCorruptPieceIsBlamedOnItsSourceAndFetchedFromAnotherAndRangesGetOnlyVerifiedBytes() throws Exception {
        int peerA = FreePorts.next();
        try (DelayProxy linkA = DelayProxy.start("127.0.0.1", peerA, Duration.ZERO);
                TestFederation fed = TestFederation.builder(dir)
                        .dc("a", "peer: {port: " + peerA + ", advertise: \"" + linkA.address() + "\"}")
                        .dc("b", "federation: {costs: {a: 1, c: 5}}")
                        .dc("c", "")
                        .start()) {
            byte[] file = new byte[6 * PIECE];
            new Random(71).nextBytes(file);
            String uuid = fed.client("a").activeImage("corrupt-at-a", file);
            String sha1 = ImgapiClient.sha1(file);
            Await.until("c knows the image", CONVERGE, () -> fed.client("c").get("/images/" + uuid).status() == 200);
            assertEquals(sha1, fed.client("c").getDigest("/images/" + uuid + "/file").sha1());
            fed.awaitHolding("b", uuid, "a");
            fed.awaitHolding("b", uuid, "c");
            corrupt(fed, "a", sha1, 2L * PIECE + 1000);
            linkA.bandwidth(8L * MIB);

            CompletableFuture<ImgapiClient.Digested> whole = CompletableFuture.supplyAsync(
                    () -> fed.client("b").getDigest("/images/" + uuid + "/file"));
            // The corrupt piece's range, asked while b pulls it from a.
            ImgapiClient.Response part = fed.client("b").get("/images/" + uuid + "/file",
                    Map.of("Range", range(2L * PIECE, 2L * PIECE + 4095)));
            assertEquals(206, part.status(), part.toString());
            assertArrayEquals(Arrays.copyOfRange(file, 2 * PIECE, 2 * PIECE + 4096), part.body(),
                    "only verified bytes are served, never a's corrupt ones");

            ImgapiClient.Digested got = whole.get(120, TimeUnit.SECONDS);
            assertEquals(200, got.status());
            assertEquals(sha1, got.sha1());
            JsonNode t = fed.client("b").get("/transfers").json().path(0);
            assertEquals("completed", t.path("state").asText(), t.toString());
            assertTrue(t.path("moved").asLong() < file.length + 2L * PIECE,
                    "only the bad piece was fetched again, not the whole file: " + t);
            assertTrue(fed.client("b").getDigest("/images/" + uuid + "/file").sha1().equals(sha1));
        }
    }

    @Test
    void withOnlyACorruptSourceNoRangeOfTheBadPieceIsEverServed() throws Exception {
        try (TestFederation fed = TestFederation.builder(dir)
                .dc("a", "")
                .dc("b", "transfer: {retry: {initial: 100ms, max: 500ms, attempts: 3}}")
                .start()) {
            byte[] file = new byte[3 * PIECE];
            new Random(72).nextBytes(file);
            String uuid = fed.client("a").activeImage("only-corrupt", file);
            String sha1 = ImgapiClient.sha1(file);
            fed.awaitHolding("b", uuid, "a");
            corrupt(fed, "a", sha1, PIECE + 5);

            ImgapiClient.Response during = fed.client("b").get("/images/" + uuid + "/file",
                    Map.of("Range", range(PIECE, PIECE + 99)));
            assertNotEquals(206, during.status(), "the bad piece is never served: " + during);
            Await.until("b's pull fails", CONVERGE, () -> fed.client("b").get("/transfers").json().path(0).path("state")
                    .asText().equals("failed"));
            String error = fed.client("b").get("/transfers").json().path(0).path("error").asText();
            assertTrue(error.contains("verification"), error);
            ImgapiClient.Response after = fed.client("b").get("/images/" + uuid + "/file",
                    Map.of("Range", range(PIECE, PIECE + 99)));
            assertNotEquals(206, after.status(), "nor after the pull failed: " + after);
            assertFalse(fed.dc("b").daemon().store().contains(sha1), "nothing unverified was committed");
            // The first piece was good: a range of it was served while the pull ran, with the right bytes.
            ImgapiClient.Response good = fed.client("b").get("/images/" + uuid + "/file", Map.of("Range", range(0, 99)));
            if (good.status() == 206) {
                assertArrayEquals(Arrays.copyOfRange(file, 0, 100), good.body());
            }
        }
    }
}
