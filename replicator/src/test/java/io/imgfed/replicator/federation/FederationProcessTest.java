package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ProcessFederation;
import io.imgfed.replicator.testkit.PromMetrics;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three DCs as separate processes. b dies by SIGKILL: a and c call it gone within the configured bound;
 * meanwhile the federation changes; b restarts on its data dir, keeps what it held and converges.
 */
class FederationProcessTest {
    static final Duration HEARTBEAT = Duration.ofMillis(200);
    static final Duration GONE_AFTER = Duration.ofSeconds(3);
    static final Duration SLACK = Duration.ofMillis(1000);
    static final Duration CONVERGE = Duration.ofSeconds(15);
    static final String[] DCS = {"a", "b", "c"};

    /** Kept when the test fails: the daemons' logs are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;
    static ProcessFederation fed;

    @BeforeAll
    static void start() {
        fed = ProcessFederation.start(dir, "federation: {heartbeat: 200ms, suspectAfter: 1s, goneAfter: 3s}\n", DCS);
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
    }

    static Map<String, String> statuses(String observer) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode d : fed.client(observer).get("/federation/dcs").json()) {
            out.put(d.path("name").asText(), d.path("status").asText());
        }
        return out;
    }

    static void awaitAllAlive(String why) {
        Await.until(why + ": every DC sees all three alive", CONVERGE, () -> {
            for (String dc : DCS) {
                Map<String, String> st = statuses(dc);
                if (st.size() != 3 || !st.values().stream().allMatch("alive"::equals)) {
                    return false;
                }
            }
            return true;
        });
    }

    static int status(String dc, String uuid) {
        return fed.client(dc).get("/images/" + uuid).status();
    }

    static String stateAt(String observer, String uuid, String holder) {
        JsonNode arr = fed.client(observer).get("/federation/availability?uuid=" + uuid).json();
        return arr.size() == 1 ? arr.get(0).path("dcs").path(holder).path("state").asText() : "unknown";
    }

    @Test
    void aDcKilledWithSigkillIsCalledGoneAndConvergesAfterItsRestart() {
        awaitAllAlive("at start");
        byte[] file = new byte[200 * 1024];
        new Random(9).nextBytes(file);
        String image = fed.client("a").activeImage("survives-a-kill", file);
        String doomed = fed.client("a").activeImage("deleted-while-b-dead", new byte[] {1});
        for (String dc : new String[] {"b", "c"}) {
            Await.until(dc + " knows a's images", CONVERGE, () -> status(dc, image) == 200 && status(dc, doomed) == 200
                    && stateAt(dc, image, "a").equals("present"));
        }
        ImgapiClient.Response pulled = fed.client("b").get("/images/" + image + "/file");
        assertEquals(200, pulled.status(), pulled.toString());
        Await.until("a and c see b holding the file", CONVERGE,
                () -> stateAt("a", image, "b").equals("present") && stateAt("c", image, "b").equals("present"));

        fed.kill9("b");
        long killedAt = System.nanoTime();
        Map<String, Long> suspect = new LinkedHashMap<>();
        Map<String, Long> gone = new LinkedHashMap<>();
        Await.until("a and c see b suspect, then gone", CONVERGE, () -> {
            for (String dc : new String[] {"a", "c"}) {
                if (gone.containsKey(dc)) {
                    continue;
                }
                String s = statuses(dc).get("b");
                long now = System.nanoTime();
                if ("suspect".equals(s)) {
                    suspect.putIfAbsent(dc, now);
                } else if ("gone".equals(s)) {
                    gone.put(dc, now);
                }
            }
            return gone.size() == 2;
        });
        long bound = GONE_AFTER.plus(HEARTBEAT.multipliedBy(2)).plus(SLACK).toMillis();
        for (String dc : new String[] {"a", "c"}) {
            assertTrue(suspect.containsKey(dc) && suspect.get(dc) < gone.get(dc), dc + " showed b suspect before gone");
            long ms = (gone.get(dc) - killedAt) / 1_000_000;
            assertTrue(ms <= bound, dc + " called b gone " + ms + " ms after SIGKILL; the bound is " + bound + " ms");
        }
        for (String dc : new String[] {"a", "c"}) {
            // Not at the instant b is called gone: Hazelcast removes b's member about then, and while it moves the
            // board's partitions the other live DC's heartbeats can pause long enough to make it suspect for a moment.
            Await.until(dc + " counts 2 live DCs", CONVERGE,
                    () -> PromMetrics.scrape(fed.client(dc)).value("imgfed_federation_members") == 2.0);
        }
        try {
            fed.client("b").get("/ping");
            throw new AssertionError("b still answers after SIGKILL");
        } catch (UncheckedIOException expected) {
            // dead
        }

        // The federation moves on while b is dead.
        assertEquals(204, fed.client("a").delete("/images/" + doomed).status());
        String born = fed.client("c").activeImage("born-while-b-dead", new byte[] {2, 3});
        Await.until("a learns c's new image", CONVERGE, () -> status("a", born) == 200);

        fed.restart("b");
        awaitAllAlive("after b's restart");
        Await.until("b converges: lists a's image, learns the delete and c's new image", CONVERGE,
                () -> status("b", image) == 200 && status("b", doomed) == 404 && status("b", born) == 200);
        boolean listed = false;
        for (JsonNode m : fed.client("b").get("/images").json()) {
            listed |= m.path("uuid").asText().equals(image);
        }
        assertTrue(listed, "b lists a's image");
        Await.until("the file b held survived the kill, and everyone knows it", CONVERGE,
                () -> stateAt("a", image, "b").equals("present") && stateAt("c", image, "b").equals("present")
                        && stateAt("b", image, "b").equals("present"));
        ImgapiClient.Response hit = fed.client("b").get("/images/" + image + "/file");
        assertEquals("hit", hit.header("X-Imgfed-Cache"));
        for (String dc : DCS) {
            Await.until(dc + " counts 3 live DCs", CONVERGE,
                    () -> PromMetrics.scrape(fed.client(dc)).value("imgfed_federation_members") == 3.0);
            PromMetrics m = PromMetrics.scrape(fed.client(dc));
            for (String reason : new String[] {"malformed", "bad_signature", "unknown_key", "key_mismatch"}) {
                assertEquals(0.0, m.rejected(reason), dc + " rejected records (" + reason + ") around b's kill and restart");
            }
        }
    }
}
