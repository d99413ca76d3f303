package io.imgfed.replicator.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IMGAPI life cycle of one image through a real daemon: create, add file, activate, get file, delete. */
class ImageLifecycleTest {
    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir);
        api = daemon.client();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void fileRoundTripsWithImgapiHeaders() {
        byte[] file = new byte[3 * 1024 * 1024 + 7];
        new Random(42).nextBytes(file);
        String uuid = api.activeImage("lifecycle", file);

        ImgapiClient.Response got = api.get("/images/" + uuid + "/file");
        assertEquals(200, got.status());
        assertArrayEquals(file, got.body());
        assertEquals(ImgapiClient.md5Base64(file), got.header("Content-MD5"));
        assertEquals(String.valueOf(file.length), got.header("Content-Length"));
        assertEquals("\"" + ImgapiClient.sha1(file) + "\"", got.header("ETag"));
        assertEquals("hit", got.header("X-Imgfed-Cache"));

        assertEquals("active", api.get("/images/" + uuid).json().path("state").asText());
        assertEquals(204, api.delete("/images/" + uuid).status());
        assertEquals(404, api.get("/images/" + uuid).status());
        assertEquals(false, daemon.daemon().store().contains(ImgapiClient.sha1(file)));
    }
}
