package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first provision of an image in a DC without its file pulls it once from the DC that has it. */
class LazyPullTest {
    private static final Duration CONVERGE = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.start(dir, "a", "b");
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    private static String imageAtA(byte[] file, String name) {
        String uuid = fed.client("a").activeImage(name, file);
        Await.until("b knows the image and that a holds its file", CONVERGE, () -> {
            JsonNode arr = fed.client("b").get("/federation/availability?uuid=" + uuid).json();
            return arr.size() == 1 && arr.get(0).path("dcs").path("a").path("state").asText().equals("present");
        });
        return uuid;
    }

    @Test
    void coldRequestPullsStreamsAndCaches() {
        byte[] file = new byte[8 * 1024 * 1024 + 13];
        new Random(1).nextBytes(file);
        String uuid = imageAtA(file, "cold");

        ImgapiClient.Response first = fed.client("b").get("/images/" + uuid + "/file");
        assertEquals(200, first.status(), first.toString());
        assertEquals("miss", first.header("X-Imgfed-Cache"));
        assertEquals("a", first.header("X-Imgfed-Source"));
        assertEquals(ImgapiClient.md5Base64(file), first.header("Content-MD5"));
        assertArrayEquals(file, first.body());

        ImgapiClient.Response second = fed.client("b").get("/images/" + uuid + "/file");
        assertEquals("hit", second.header("X-Imgfed-Cache"));
        assertArrayEquals(file, second.body());

        fed.awaitHolding("a", uuid, "b");
    }

    @Test
    void fiftyConcurrentColdRequestsShareOneTransfer() throws Exception {
        byte[] file = new byte[32 * 1024 * 1024];
        new Random(2).nextBytes(file);
        String uuid = imageAtA(file, "crowd");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<ImgapiClient.Digested>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> fed.client("b").getDigest("/images/" + uuid + "/file")));
            }
            int misses = 0;
            String sha1 = ImgapiClient.sha1(file);
            for (Future<ImgapiClient.Digested> f : answers) {
                ImgapiClient.Digested r = f.get(120, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                assertEquals(file.length, r.length());
                assertEquals(sha1, r.sha1(), "identical bytes");
                misses += "miss".equals(r.header("X-Imgfed-Cache")) ? 1 : 0;
            }
            assertEquals(1, misses, "exactly one request started the transfer");
        } finally {
            pool.shutdownNow();
        }
        long transfers = 0;
        long moved = 0;
        for (JsonNode t : fed.client("b").get("/transfers").json()) {
            if (t.path("image").asText().equals(uuid)) {
                transfers++;
                moved += t.path("moved").asLong();
            }
        }
        assertEquals(1, transfers, "one transfer for the file");
        assertEquals(file.length, moved, "the source sent the file exactly once");
    }
}
