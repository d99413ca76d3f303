package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no DC able to serve a file, requests get 503 with Retry-After; once a source is back, they succeed. */
class SourceOutageTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.withConfig(dir, "federation: {heartbeat: 200ms, suspectAfter: 1s, goneAfter: 3s}", "a", "b");
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    private static String dcStatus(String at, String of) {
        for (var d : fed.client(at).get("/federation/dcs").json()) {
            if (d.path("name").asText().equals(of)) {
                return d.path("status").asText();
            }
        }
        return "unknown";
    }

    @Test
    void noReachableSourceIs503WithRetryAfterThenSuccessWhenTheSourceReturns() {
        byte[] file = new byte[2 << 20];
        new Random(21).nextBytes(file);
        String uuid = fed.client("a").activeImage("outage", file);
        fed.awaitHolding("b", uuid, "a");

        fed.stopDc("a");
        Await.until("b calls a gone", CONVERGE, () -> dcStatus("b", "a").equals("gone"));
        ImgapiClient.Response r = fed.client("b").get("/images/" + uuid + "/file");
        assertEquals(503, r.status(), r.toString());
        assertEquals("ServiceUnavailable", r.code());
        assertNotNull(r.header("Retry-After"), "Retry-After tells the client when to come back");
        assertTrue(Integer.parseInt(r.header("Retry-After")) > 0);
        assertEquals(200, fed.client("b").get("/images/" + uuid).status(), "the image is still listed");

        fed.startDc("a");
        Await.until("b sees a alive again", CONVERGE, () -> dcStatus("b", "a").equals("alive"));
        ImgapiClient.Digested ok = Await.value("the file served once a is back", CONVERGE, () -> {
            ImgapiClient.Digested d = fed.client("b").getDigest("/images/" + uuid + "/file");
            return d.status() == 200 ? d : null;
        });
        assertEquals(ImgapiClient.sha1(file), ok.sha1());
    }
}
