package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PromMetrics;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness with short timings: a stopped DC turns suspect, then gone, within the configured bounds; it is no
 * longer offered as a source; when it comes back on its data dir it is alive again with the same signing key
 * and everything converges.
 */
class FederationLivenessTest {
    static final Duration HEARTBEAT = Duration.ofMillis(200);
    static final Duration SUSPECT_AFTER = Duration.ofSeconds(1);
    static final Duration GONE_AFTER = Duration.ofSeconds(3);
    /** Polling, HTTP and scheduling: how late an observation may be beyond what the configuration promises. */
    static final Duration SLACK = Duration.ofMillis(1000);
    static final Duration CONVERGE = Duration.ofSeconds(10);
    static final String[] REASONS = {"malformed", "bad_signature", "unknown_key", "key_mismatch"};

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.withConfig(dir, "federation: {heartbeat: " + HEARTBEAT.toMillis() + "ms, suspectAfter: "
                + SUSPECT_AFTER.toSeconds() + "s, goneAfter: " + GONE_AFTER.toSeconds() + "s}\n", "a", "b", "c");
        awaitAllAlive(List.of("a", "b", "c"));
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
    }

    static void awaitAllAlive(List<String> dcs) {
        Await.until("DCs " + dcs + " all see each other alive", CONVERGE, () -> {
            for (String dc : dcs) {
                Map<String, String> st = statuses(fed.client(dc));
                if (st.size() != dcs.size() || !st.values().stream().allMatch("alive"::equals)) {
                    return false;
                }
            }
            return true;
        });
    }

    static Map<String, String> statuses(ImgapiClient api) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode d : api.get("/federation/dcs").json()) {
            out.put(d.path("name").asText(), d.path("status").asText());
        }
        return out;
    }

    static JsonNode dcEntry(ImgapiClient api, String name) {
        for (JsonNode d : api.get("/federation/dcs").json()) {
            if (d.path("name").asText().equals(name)) {
                return d;
            }
        }
        return null;
    }

    static JsonNode availability(ImgapiClient api, String uuid) {
        JsonNode arr = api.get("/federation/availability?uuid=" + uuid).json();
        return arr.size() == 1 ? arr.get(0) : null;
    }

    @Test
    void stoppedDcTurnsSuspectThenGoneStopsBeingASourceAndReturnsWithItsKey() throws Exception {
        byte[] file = new byte[64 * 1024];
        new Random(11).nextBytes(file);
        String onlyAtC = fed.client("c").activeImage("only-at-c", file);
        for (String dc : new String[] {"a", "b"}) {
            Await.until(dc + " offers c as the source of the file only c holds", CONVERGE, () -> {
                JsonNode av = availability(fed.client(dc), onlyAtC);
                return av != null && av.path("dcs").path("c").path("state").asText().equals("present")
                        && av.path("here").path("estimate").path("source").asText().equals("c");
            });
            Await.until(dc + " reports 3 live members", CONVERGE,
                    () -> PromMetrics.scrape(fed.client(dc)).value("imgfed_federation_members") == 3.0);
        }
        // /federation/dcs shape, and c's summary as the others see it.
        JsonNode cAtA = Await.value("a shows c holding its file", CONVERGE, () -> {
            JsonNode e = dcEntry(fed.client("a"), "c");
            return e != null && e.path("files").asLong() >= 1 && e.path("images").asLong() >= 1 ? e : null;
        });
        for (String field : new String[] {"name", "peer", "status", "last_seen", "images", "files", "bytes", "version", "self"}) {
            assertTrue(cAtA.has(field), "/federation/dcs entry has " + field + ": " + cAtA);
        }
        assertTrue(cAtA.path("bytes").asLong() >= file.length, cAtA.toString());
        assertEquals(false, cAtA.path("self").asBoolean(true));
        assertTrue(dcEntry(fed.client("a"), "a").path("self").asBoolean(), "a's own entry is marked self");

        Path signingPub = fed.dataDir("c").resolve("federation").resolve("signing.pub");
        byte[] keyBefore = Files.readAllBytes(signingPub);
        for (String dc : new String[] {"a", "b", "c"}) {
            assertNoRejections(dc, "a healthy federation");
        }

        fed.stopDc("c");
        long stoppedAt = System.nanoTime();
        long stoppedWall = System.currentTimeMillis();

        Map<String, Long> suspectSeen = new LinkedHashMap<>();
        Map<String, Long> goneSeen = new LinkedHashMap<>();
        Map<String, Long> goneSeenWall = new LinkedHashMap<>();
        Map<String, Long> suspectSeenWall = new LinkedHashMap<>();
        Map<String, String> lastSeen = new LinkedHashMap<>();
        Await.until("a and b see c suspect, then gone", GONE_AFTER.plus(CONVERGE), () -> {
            for (String dc : new String[] {"a", "b"}) {
                if (goneSeen.containsKey(dc)) {
                    continue;
                }
                JsonNode e = dcEntry(fed.client(dc), "c");
                long now = System.nanoTime();
                long wall = System.currentTimeMillis();
                String status = e.path("status").asText();
                if (status.equals("suspect") && !suspectSeen.containsKey(dc)) {
                    suspectSeen.put(dc, now);
                    suspectSeenWall.put(dc, wall);
                } else if (status.equals("gone")) {
                    goneSeen.put(dc, now);
                    goneSeenWall.put(dc, wall);
                    lastSeen.put(dc, e.path("last_seen").asText());
                }
            }
            return goneSeen.size() == 2;
        });
        long bound = GONE_AFTER.plus(HEARTBEAT.multipliedBy(2)).plus(SLACK).toMillis();
        for (String dc : new String[] {"a", "b"}) {
            assertTrue(suspectSeen.containsKey(dc), dc + " showed c suspect before gone");
            assertTrue(suspectSeen.get(dc) < goneSeen.get(dc), dc + ": suspect came before gone");
            long goneMs = (goneSeen.get(dc) - stoppedAt) / 1_000_000;
            assertTrue(goneMs <= bound, dc + " saw c gone " + goneMs + " ms after it stopped; the bound is " + bound + " ms");
            // Not early either: judged from c's last heartbeat as this DC received it.
            long last = Instant.parse(lastSeen.get(dc)).toEpochMilli();
            assertTrue(last <= stoppedWall + 50, dc + ": c's last_seen " + lastSeen.get(dc) + " is before it stopped");
            assertTrue(goneSeenWall.get(dc) - last >= GONE_AFTER.toMillis() - 5,
                    dc + " called c gone only " + (goneSeenWall.get(dc) - last) + " ms after its last heartbeat");
            assertTrue(suspectSeenWall.get(dc) - last >= SUSPECT_AFTER.toMillis() - 5,
                    dc + " called c suspect only " + (suspectSeenWall.get(dc) - last) + " ms after its last heartbeat");
        }

        for (String dc : new String[] {"a", "b"}) {
            assertEquals(2.0, PromMetrics.scrape(fed.client(dc)).value("imgfed_federation_members"),
                    dc + ": imgfed_federation_members counts live DCs only");
            JsonNode av = availability(fed.client(dc), onlyAtC);
            assertNotNull(av, dc + " still knows the image homed at c");
            assertEquals("gone", av.path("dcs").path("c").path("status").asText(), av.toString());
            assertTrue(av.path("here").has("estimate") && av.path("here").path("estimate").isNull(),
                    dc + " offers no source for a file only a gone DC holds: " + av);
        }

        // While c is down, a publishes an image c has never seen.
        String madeWhileDown = fed.client("a").activeImage("made-while-c-down", new byte[] {4, 5, 6});

        fed.startDc("c");
        awaitAllAlive(List.of("a", "b", "c"));
        assertArrayEquals(keyBefore, Files.readAllBytes(signingPub), "c kept its signing key across the restart");
        JsonNode pins = Json.tree(Files.readAllBytes(fed.dataDir("a").resolve("federation").resolve("pinned-keys.json")));
        assertEquals(Base64.getEncoder().encodeToString(keyBefore), pins.path("c").asText(), "a pinned c's key");
        for (String dc : new String[] {"a", "b"}) {
            Await.until(dc + " counts c live again and offers it as a source", CONVERGE, () -> {
                JsonNode av = availability(fed.client(dc), onlyAtC);
                return PromMetrics.scrape(fed.client(dc)).value("imgfed_federation_members") == 3.0
                        && av.path("dcs").path("c").path("state").asText().equals("present")
                        && av.path("here").path("estimate").path("source").asText().equals("c");
            });
        }
        Await.until("c learns the image published while it was down", CONVERGE,
                () -> fed.client("c").get("/images/" + madeWhileDown).status() == 200);
        assertEquals(200, fed.client("c").get("/images/" + onlyAtC).status());
        String afterRestart = fed.client("c").activeImage("after-restart", new byte[] {7, 8, 9});
        for (String dc : new String[] {"a", "b"}) {
            Await.until(dc + " learns c's new image", CONVERGE, () -> {
                JsonNode av = availability(fed.client(dc), afterRestart);
                return av != null && av.path("home").asText().equals("c")
                        && av.path("dcs").path("c").path("state").asText().equals("present");
            });
        }
        for (String dc : new String[] {"a", "b", "c"}) {
            assertNoRejections(dc, "after c came back with its pinned key");
        }
    }

    static void assertNoRejections(String dc, String when) {
        PromMetrics m = PromMetrics.scrape(fed.client(dc));
        for (String reason : REASONS) {
            assertEquals(0.0, m.rejected(reason), dc + " rejected records (" + reason + ") " + when);
        }
    }
}
