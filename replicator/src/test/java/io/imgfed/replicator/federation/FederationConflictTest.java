package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.federation.gossip.ManifestGossip;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PromMetrics;
import io.imgfed.replicator.testkit.TestDaemon;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The same uuid imported in a and in b while they were not one federation: once joined, each home keeps its
 * own image, every other DC shows the one of the lowest DC name, the conflict is reported in the log, the
 * metric and availability on every DC, and nothing is merged. Deleting one side resolves it.
 */
class FederationConflictTest {
    static final Duration CONVERGE = Duration.ofSeconds(10);
    static final String[] DCS = {"a", "b", "c"};
    static final String UUID_BOTH = UUID.randomUUID().toString();

    @TempDir
    static Path dir;
    static TestFederation fed;
    static ListAppender<ILoggingEvent> log;
    static Logger gossipLogger;

    @BeforeAll
    static void start() {
        // a and b each on their own, in clusters of their own, import the same uuid.
        importAlone("a", "from-a", "1.0.0");
        importAlone("b", "from-b", "2.0.0");

        gossipLogger = (Logger) LoggerFactory.getLogger(ManifestGossip.class);
        log = new ListAppender<>();
        log.start();
        gossipLogger.addAppender(log);
        fed = TestFederation.start(dir, DCS);
    }

    static void importAlone(String dc, String name, String version) {
        try (TestDaemon d = TestDaemon.start(dir.resolve(dc), "dc: " + dc + "\nfederation: {cluster: alone-" + dc + "}\n")) {
            ObjectNode body = ImgapiClient.manifest(name, version);
            body.put("uuid", UUID_BOTH);
            ImgapiClient.Response r = d.client().post("/images/" + UUID_BOTH + "?action=import", body);
            assertEquals(200, r.status(), r.toString());
            assertEquals(dc, r.json().path("home_dc").asText());
        }
    }

    @AfterAll
    static void stop() {
        if (gossipLogger != null) {
            gossipLogger.detachAppender(log);
        }
        if (fed != null) {
            fed.close();
        }
    }

    static JsonNode image(String dc) {
        return fed.client(dc).get("/images/" + UUID_BOTH).json();
    }

    static JsonNode availability(String dc) {
        return fed.client(dc).get("/federation/availability?uuid=" + UUID_BOTH).json().path(0);
    }

    static List<String> conflict(JsonNode availability) {
        List<String> out = new ArrayList<>();
        availability.path("conflict").forEach(n -> out.add(n.asText()));
        return out;
    }

    static double conflicts(String dc) {
        return PromMetrics.scrape(fed.client(dc)).value("imgfed_manifest_conflicts");
    }

    static int timesListed(String dc) {
        int n = 0;
        for (JsonNode m : fed.client(dc).get("/images?state=all").json()) {
            n += m.path("uuid").asText().equals(UUID_BOTH) ? 1 : 0;
        }
        return n;
    }

    @Test
    void eachHomeKeepsItsOwnOthersShowTheLowestNameAndTheConflictIsReportedEverywhere() {
        for (String dc : DCS) {
            Await.until(dc + " reports the conflict", CONVERGE,
                    () -> conflict(availability(dc)).equals(List.of("a", "b")) && conflicts(dc) == 1.0);
        }
        Await.until("c shows a's image", CONVERGE, () -> image("c").path("name").asText().equals("from-a"));

        JsonNode atA = image("a");
        JsonNode atB = image("b");
        JsonNode atC = image("c");
        assertEquals("a", atA.path("home_dc").asText());
        assertEquals("from-a", atA.path("name").asText());
        assertEquals("1.0.0", atA.path("version").asText());
        assertEquals("b", atB.path("home_dc").asText(), "b keeps its own image: " + atB);
        assertEquals("from-b", atB.path("name").asText());
        assertEquals("2.0.0", atB.path("version").asText(), "nothing of a's merged into b's");
        assertEquals(atA, atC, "c shows a's image exactly (a sorts first)");
        for (String dc : DCS) {
            assertEquals(1, timesListed(dc), dc + " lists the uuid once");
            JsonNode av = availability(dc);
            assertEquals(dc.equals("b") ? "b" : "a", av.path("home").asText(), dc + ": " + av);
        }

        // Logged once by each DC, on its board thread, naming both DCs.
        Set<String> threads = new TreeSet<>();
        for (ILoggingEvent e : new ArrayList<>(log.list)) {
            if (e.getLevel() == Level.WARN && e.getFormattedMessage().contains(UUID_BOTH)) {
                assertTrue(e.getFormattedMessage().contains("[a, b]"), e.getFormattedMessage());
                threads.add(e.getThreadName());
            }
        }
        assertEquals(Set.of("imgfed-board-a", "imgfed-board-b", "imgfed-board-c"), threads);

        // Changed through c, the change goes to a's image only.
        ImgapiClient.Response upd = fed.client("c").post("/images/" + UUID_BOTH + "?action=update", "{\"description\":\"via c\"}");
        assertEquals(200, upd.status(), upd.toString());
        assertEquals("a", upd.header("X-Imgfed-Home"));
        assertEquals("via c", image("a").path("description").asText());
        assertFalse(image("b").has("description"), "b's image untouched: " + image("b"));

        // b deletes its own: the conflict is over everywhere and a's image is the federation's.
        assertEquals(204, fed.client("b").delete("/images/" + UUID_BOTH).status());
        for (String dc : DCS) {
            Await.until(dc + " sees the conflict resolved", CONVERGE, () -> conflicts(dc) == 0.0
                    && !availability(dc).has("conflict") && image(dc).path("home_dc").asText().equals("a"));
            assertEquals("via c", image(dc).path("description").asText(), dc);
        }
    }
}
