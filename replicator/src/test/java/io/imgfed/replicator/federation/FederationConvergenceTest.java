package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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

/** Three DCs in one JVM: manifests and availability gossiped everywhere, mutations forwarded home. */
class FederationConvergenceTest {
    private static final Duration CONVERGE = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.start(dir, "a", "b", "c");
        Await.until("all three DCs see each other alive", CONVERGE, () -> {
            for (String dc : new String[] {"a", "b", "c"}) {
                JsonNode dcs = fed.client(dc).get("/federation/dcs").json();
                if (dcs.size() != 3) {
                    return false;
                }
                for (JsonNode d : dcs) {
                    if (!d.path("status").asText().equals("alive")) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    @Test
    void imageActivatedInOneDcIsListedWithItsHomeAndAvailabilityEverywhere() {
        byte[] file = new byte[256 * 1024];
        new Random(7).nextBytes(file);
        String uuid = fed.client("a").activeImage("gossiped", file);

        for (String dc : new String[] {"b", "c"}) {
            ImgapiClient api = fed.client(dc);
            JsonNode m = Await.value("image visible in " + dc, CONVERGE, () -> {
                ImgapiClient.Response r = api.get("/images/" + uuid);
                return r.status() == 200 && r.json().path("state").asText().equals("active") ? r.json() : null;
            });
            assertEquals("a", m.path("home_dc").asText());
            JsonNode avail = Await.value("availability in " + dc + " shows a present", CONVERGE, () -> {
                JsonNode arr = api.get("/federation/availability?uuid=" + uuid).json();
                return arr.size() == 1 && arr.get(0).path("dcs").path("a").path("state").asText().equals("present")
                        ? arr.get(0) : null;
            });
            assertEquals("absent", avail.path("dcs").path(dc).path("state").asText());
            assertEquals("absent", avail.path("here").path("state").asText());
            assertEquals("a", avail.path("here").path("estimate").path("source").asText());
            assertEquals(file.length, avail.path("size").asLong());
        }
        boolean listed = false;
        for (JsonNode m : fed.client("c").get("/images").json()) {
            listed |= m.path("uuid").asText().equals(uuid);
        }
        assertTrue(listed, "ListImages in c includes the image homed in a");
    }

    @Test
    void mutationsSentToAnotherDcAreForwardedHomeAndReadBackAtOnce() {
        String uuid = fed.client("a").activeImage("forwarded", new byte[] {1, 2, 3});
        Await.until("image known in c", CONVERGE, () -> fed.client("c").get("/images/" + uuid).status() == 200);

        ImgapiClient.Response upd = fed.client("c").post("/images/" + uuid + "?action=update", "{\"description\":\"via c\"}");
        assertEquals(200, upd.status(), upd.toString());
        assertEquals("via c", upd.json().path("description").asText());
        assertEquals("a", upd.header("X-Imgfed-Home"));
        // Read-your-writes in the DC that forwarded, and the change made at home.
        assertEquals("via c", fed.client("c").get("/images/" + uuid).json().path("description").asText());
        assertEquals("via c", fed.client("a").get("/images/" + uuid).json().path("description").asText());

        ImgapiClient.Response dis = fed.client("b").post("/images/" + uuid + "?action=disable", "{}");
        assertEquals("disabled", dis.json().path("state").asText());

        assertEquals(204, fed.client("b").delete("/images/" + uuid).status());
        assertEquals(404, fed.client("b").get("/images/" + uuid).status());
        assertEquals(404, fed.client("a").get("/images/" + uuid).status());
        Await.until("delete reaches c", CONVERGE, () -> fed.client("c").get("/images/" + uuid).status() == 404);
    }
}
