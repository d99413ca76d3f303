package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.store.BlobStore;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DC b keeps at most 20 MiB of files: least recently used cached files go, its own images' files stay, a
 * file with a reader stays, and eviction withdraws availability. Also prefetch, here and to another DC.
 */
class CacheTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final int MIB8 = 8 << 20;

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.builder(dir).dc("a", "").dc("b", "data: {capacity: 20MiB}").dc("c", "").start();
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    private static byte[] file(int seed) {
        byte[] f = new byte[MIB8];
        new Random(seed).nextBytes(f);
        return f;
    }

    private static String atA(byte[] file, String name) {
        String uuid = fed.client("a").activeImage(name, file);
        Await.until("b sees a holding " + name, CONVERGE, () -> state("b", uuid, "a").equals("present"));
        return uuid;
    }

    private static String state(String at, String uuid, String of) {
        return fed.client(at).get("/federation/availability?uuid=" + uuid).json().path(0).path("dcs").path(of)
                .path("state").asText();
    }

    private static double metric(String dc, String prefix) {
        for (String line : fed.client(dc).get("/metrics").text().split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Test
    void leastRecentlyUsedGoesFirstButNeverPinnedOrReadFiles() throws Exception {
        BlobStore storeB = fed.dc("b").daemon().store();
        byte[] home = file(40);
        fed.client("b").activeImage("homed-at-b", home);
        byte[] f1 = file(41);
        byte[] f2 = file(42);
        byte[] f3 = file(43);
        String u1 = atA(f1, "one");
        String u2 = atA(f2, "two");
        String u3 = atA(f3, "three");

        assertEquals(200, fed.client("b").getDigest("/images/" + u1 + "/file").status());
        assertEquals(200, fed.client("b").getDigest("/images/" + u2 + "/file").status());
        assertFalse(storeB.contains(ImgapiClient.sha1(f1)), "the least recently used cached file made room");
        assertTrue(storeB.contains(ImgapiClient.sha1(home)), "files of images homed here are pinned");
        assertTrue(storeB.contains(ImgapiClient.sha1(f2)));
        assertTrue(storeB.usedBytes() <= 20 << 20);
        assertEquals(1.0, metric("b", "imgfed_evictions_total"));
        Await.until("a sees the eviction withdraw b's copy", CONVERGE, () -> state("a", u1, "b").equals("absent"));

        try (Socket reader = new Socket("127.0.0.1", fed.httpPort("b"))) {
            reader.setReceiveBufferSize(16 * 1024);
            OutputStream out = reader.getOutputStream();
            out.write(("GET /images/" + u2 + "/file HTTP/1.1\r\nHost: b\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Await.until("the reader holds file two", CONVERGE, () -> storeB.leased(ImgapiClient.sha1(f2)));
            ImgapiClient.Response full = fed.client("b").get("/images/" + u3 + "/file");
            assertEquals(507, full.status(), "no file may go: one is pinned, the other is being read: " + full);
            assertEquals("InsufficientStorage", full.code());
            assertTrue(storeB.contains(ImgapiClient.sha1(f2)), "a file is never evicted under its reader");
        }
        Await.until("the reader's lease ends", CONVERGE, () -> !storeB.leased(ImgapiClient.sha1(f2)));
        ImgapiClient.Digested three = fed.client("b").getDigest("/images/" + u3 + "/file");
        assertEquals(200, three.status());
        assertEquals(ImgapiClient.sha1(f3), three.sha1());
        assertTrue(storeB.contains(ImgapiClient.sha1(home)), "still pinned");
    }

    @Test
    void prefetchPullsAheadHereOrInAnotherDc() {
        byte[] f = new byte[1 << 20];
        new Random(50).nextBytes(f);
        String uuid = atA(f, "prefetched");
        Await.until("c sees a holding it", CONVERGE, () -> state("c", uuid, "a").equals("present"));

        ImgapiClient.Response viaB = fed.client("b").post("/images/" + uuid + "?action=replicate&dc=c", "{}");
        assertTrue(viaB.status() == 202 || viaB.status() == 200, viaB.toString());
        assertEquals("c", viaB.json().path("dc").asText());
        Await.until("c holds the file without any provision", CONVERGE,
                () -> fed.dc("c").daemon().store().contains(ImgapiClient.sha1(f)));
        JsonNode transfers = fed.client("c").get("/transfers").json();
        boolean prefetch = false;
        for (JsonNode t : transfers) {
            prefetch |= t.path("image").asText().equals(uuid) && t.path("reason").asText().equals("prefetch");
        }
        assertTrue(prefetch, "the transfer is recorded as a prefetch");

        ImgapiClient.Response here = fed.client("c").post("/images/" + uuid + "?action=replicate", "{}");
        assertEquals(200, here.status());
        assertEquals("present", here.json().path("state").asText());
        assertEquals(404, fed.client("b").post("/images/00000000-0000-4000-8000-000000000000?action=replicate", "{}").status());
    }
}
