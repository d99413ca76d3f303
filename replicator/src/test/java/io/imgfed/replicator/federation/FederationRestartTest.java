package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PromMetrics;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts on the same data dir: what a DC owns survives and is announced again, what changed while it was
 * down reaches it (tombstones included, even when the whole federation restarted and the board was lost), and
 * a file it lost while down is no longer shown present.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationRestartTest {
    static final Duration CONVERGE = Duration.ofSeconds(10);
    static final String[] DCS = {"a", "b", "c"};

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.start(dir, DCS);
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
    }

    /** Every test leaves the federation whole, and nothing a DC wrote itself is ever taken for a forgery. */
    @AfterEach
    void allRunningAndNothingRejected() {
        for (String dc : DCS) {
            if (!fed.running(dc)) {
                fed.startDc(dc);
            }
        }
        for (String dc : DCS) {
            PromMetrics m = PromMetrics.scrape(fed.client(dc));
            for (String reason : new String[] {"malformed", "bad_signature", "unknown_key", "key_mismatch"}) {
                assertEquals(0.0, m.rejected(reason), dc + " rejected records (" + reason + ") around restarts");
            }
        }
    }

    static JsonNode availability(String dc, String uuid) {
        JsonNode arr = fed.client(dc).get("/federation/availability?uuid=" + uuid).json();
        return arr.size() == 1 ? arr.get(0) : null;
    }

    static String stateAt(String observer, String uuid, String holder) {
        JsonNode av = availability(observer, uuid);
        return av == null ? "unknown" : av.path("dcs").path(holder).path("state").asText();
    }

    static int status(String dc, String uuid) {
        return fed.client(dc).get("/images/" + uuid).status();
    }

    static boolean listed(String dc, String uuid) {
        for (JsonNode m : fed.client(dc).get("/images?state=all").json()) {
            if (m.path("uuid").asText().equals(uuid)) {
                return true;
            }
        }
        return false;
    }

    static byte[] randomFile(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    @Order(1)
    void filesLostOrEvictedWhileDownAreNotShownPresentAfterTheRestart() throws Exception {
        byte[] lost = randomFile(96 * 1024, 21);
        byte[] evicted = randomFile(64 * 1024, 22);
        String lostImage = fed.client("a").activeImage("lost-at-b", lost);
        String evictedImage = fed.client("a").activeImage("evicted-at-b", evicted);
        for (String uuid : List.of(lostImage, evictedImage)) {
            Await.until("b knows " + uuid + " is at a", CONVERGE, () -> stateAt("b", uuid, "a").equals("present"));
            ImgapiClient.Response r = fed.client("b").get("/images/" + uuid + "/file");
            assertEquals(200, r.status(), r.toString());
            for (String dc : List.of("a", "c")) {
                Await.until(dc + " sees b holding " + uuid, CONVERGE, () -> stateAt(dc, uuid, "b").equals("present"));
            }
        }

        fed.stopDc("b");
        String sha1 = ImgapiClient.sha1(lost);
        Path blob = fed.dataDir("b").resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1);
        assertTrue(Files.exists(blob), "b kept the pulled file at " + blob);
        Files.delete(blob);
        // b comes back with a cache too small for what it held: the other file is evicted at start.
        fed.startDc("b", "data: {capacity: 1KiB}\n");

        for (String uuid : List.of(lostImage, evictedImage)) {
            for (String dc : DCS) {
                Await.until(dc + " no longer shows b holding " + uuid, CONVERGE, () -> stateAt(dc, uuid, "b").equals("absent"));
            }
            assertEquals("absent", availability("b", uuid).path("here").path("state").asText());
            JsonNode atC = availability("c", uuid);
            assertEquals("a", atC.path("here").path("estimate").path("source").asText(), "c is offered a only: " + atC);
        }
        assertFalse(fed.dc("b").daemon().store().contains(sha1));
        assertFalse(fed.dc("b").daemon().store().contains(ImgapiClient.sha1(evicted)));
        // Back to a normal cache for the tests after this one.
        fed.stopDc("b");
        fed.startDc("b", "");
    }

    @Test
    @Order(2)
    void changesMadeWhileADcWasDownReachItAfterItsRestart() {
        String kept = fed.client("a").activeImage("kept", new byte[] {1});
        String doomed = fed.client("a").activeImage("doomed", new byte[] {2});
        for (String uuid : List.of(kept, doomed)) {
            Await.until("b knows " + uuid, CONVERGE, () -> status("b", uuid) == 200);
        }
        fed.stopDc("b");
        assertEquals(204, fed.client("a").delete("/images/" + doomed).status());
        String born = fed.client("a").activeImage("born-while-b-down", new byte[] {3});
        Await.until("c sees the delete", CONVERGE, () -> status("c", doomed) == 404);

        fed.startDc("b");
        Await.until("b learns of the delete and the new image", CONVERGE,
                () -> status("b", doomed) == 404 && status("b", born) == 200);
        assertFalse(listed("b", doomed));
        assertTrue(listed("b", kept));
        assertTrue(listed("b", born));
    }

    @Test
    @Order(3)
    void afterTheWholeFederationRestartsHomesAnnounceTheirImagesAndTombstonesAgain() throws Exception {
        String gone = fed.client("a").activeImage("deleted-while-b-down", new byte[] {4});
        String stays = fed.client("a").activeImage("stays", new byte[] {5});
        byte[] bFile = randomFile(16 * 1024, 23);
        String homedAtB = fed.client("b").activeImage("homed-at-b", bFile);
        for (String dc : DCS) {
            Await.until(dc + " knows every image", CONVERGE,
                    () -> status(dc, gone) == 200 && status(dc, stays) == 200 && status(dc, homedAtB) == 200);
        }
        Path pub = fed.dataDir("a").resolve("federation").resolve("signing.pub");
        byte[] keyBefore = Files.readAllBytes(pub);

        fed.stopDc("b");
        assertEquals(204, fed.client("a").delete("/images/" + gone).status());
        String unseen = fed.client("a").activeImage("created-while-b-down", new byte[] {6});
        // Everyone stops: the board, kept only in the members' memory, is gone.
        fed.stopDc("a");
        fed.stopDc("c");

        fed.startDc("a");
        fed.startDc("b");
        Await.until("b learns from a's re-announcement: delete and new image", CONVERGE,
                () -> status("b", gone) == 404 && status("b", unseen) == 200);
        assertFalse(listed("b", gone));
        assertEquals(200, status("a", stays), "a's own images survive its restart");
        assertEquals(404, status("a", gone));
        assertArrayEquals(keyBefore, Files.readAllBytes(pub), "a signs with the key it had");
        Await.until("a learns b's image again, with its file present at b", CONVERGE,
                () -> status("a", homedAtB) == 200 && stateAt("a", homedAtB, "b").equals("present"));

        fed.startDc("c");
        Await.until("c converges too", CONVERGE, () -> status("c", gone) == 404 && status("c", unseen) == 200
                && status("c", stays) == 200 && stateAt("c", homedAtB, "b").equals("present")
                && stateAt("c", stays, "a").equals("present"));
    }
}
