package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.protocol.json.Json;
import io.imgfed.transfer.billing.Outbox;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutations of an image sent to a DC that is not its home: acl changes and file uploads are forwarded home
 * (uploads streamed), an import of a uuid known anywhere is refused, and while the home is unreachable or gone
 * every mutation is answered 503 with a JSON error naming the home and a Retry-After.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationForwardingTest {
    static final Duration CONVERGE = Duration.ofSeconds(10);
    static final String ACCOUNT_1 = "11111111-1111-4111-8111-111111111111";
    static final String ACCOUNT_2 = "22222222-2222-4222-8222-222222222222";

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.withConfig(dir, "federation: {heartbeat: 200ms, suspectAfter: 1s, goneAfter: 3s}\n", "a", "b", "c");
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
    }

    /** The upload events for an image in a DC's billing outbox. */
    static List<TransferEvent> uploadEvents(String dc, String uuid) {
        List<TransferEvent> out = new java.util.ArrayList<>();
        try {
            for (Outbox.Entry entry : fed.dc(dc).daemon().billing().outbox().pending(10_000, java.util.Set.of())) {
                TransferEvent ev = TransferEvent.fromJson(entry.payload());
                if (uuid.equals(ev.imageUuid()) && "upload".equals(ev.reason())) {
                    out.add(ev);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    static void awaitKnown(String uuid, String... dcs) {
        for (String dc : dcs) {
            Await.until(dc + " knows image " + uuid, CONVERGE, () -> fed.client(dc).get("/images/" + uuid).status() == 200);
        }
    }

    static List<String> acl(JsonNode m) {
        List<String> out = new ArrayList<>();
        m.path("acl").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    @Order(1)
    void aclChangesSentElsewhereAreMadeAtHome() {
        String uuid = fed.client("a").activeImage("acl-forwarded", new byte[] {1, 2});
        awaitKnown(uuid, "b", "c");

        ImgapiClient.Response add = fed.client("c").post("/images/" + uuid + "/acl?action=add",
                "[\"" + ACCOUNT_1 + "\",\"" + ACCOUNT_2 + "\"]");
        assertEquals(200, add.status(), add.toString());
        assertEquals("a", add.header("X-Imgfed-Home"));
        assertEquals(List.of(ACCOUNT_1, ACCOUNT_2), acl(add.json()));
        assertEquals(List.of(ACCOUNT_1, ACCOUNT_2), acl(fed.client("a").get("/images/" + uuid).json()), "changed at home");
        assertEquals(List.of(ACCOUNT_1, ACCOUNT_2), acl(fed.client("c").get("/images/" + uuid).json()), "read back where sent");
        assertEquals(200, fed.client("c").get("/images/" + uuid + "?account=" + ACCOUNT_1).status(), "the acl grants access");

        ImgapiClient.Response remove = fed.client("b").post("/images/" + uuid + "/acl?action=remove", "[\"" + ACCOUNT_1 + "\"]");
        assertEquals(200, remove.status(), remove.toString());
        assertEquals(List.of(ACCOUNT_2), acl(remove.json()));
        assertEquals(List.of(ACCOUNT_2), acl(fed.client("a").get("/images/" + uuid).json()));
        assertEquals(List.of(ACCOUNT_2), acl(fed.client("b").get("/images/" + uuid).json()));
        Await.until("c sees the acl shrink", CONVERGE, () -> acl(fed.client("c").get("/images/" + uuid).json()).equals(List.of(ACCOUNT_2)));
        assertEquals(404, fed.client("c").get("/images/" + uuid + "?account=" + ACCOUNT_1).status(), "access withdrawn");
    }

    @Test
    @Order(2)
    void aFileUploadedToAnotherDcIsStreamedToTheHomeAndLandsThere() {
        String uuid = fed.client("a").create(ImgapiClient.manifest("upload-forwarded", "1.0.0"));
        awaitKnown(uuid, "b", "c");
        byte[] file = new byte[3 * 1024 * 1024 + 7];
        new Random(5).nextBytes(file);
        String sha1 = ImgapiClient.sha1(file);

        ImgapiClient.Response up = fed.client("c").upload(uuid, file);
        assertEquals(200, up.status(), up.toString());
        assertEquals("a", up.header("X-Imgfed-Home"));
        assertEquals(sha1, up.json().path("files").path(0).path("sha1").asText(), up.toString());
        assertTrue(fed.dc("a").daemon().store().contains(sha1), "the file landed at its home");
        assertFalse(fed.dc("c").daemon().store().contains(sha1), "the DC that forwarded it kept no copy");
        // Its bytes crossed from c into a: billed at the home, before the upload was answered.
        List<TransferEvent> billed = uploadEvents("a", uuid);
        assertEquals(1, billed.size(), billed.toString());
        TransferEvent e = billed.get(0);
        assertEquals(TransferEvent.Type.COMPLETED, e.type());
        assertEquals("c", e.sourceDc());
        assertEquals("a", e.destDc());
        assertEquals(file.length, e.bytes());
        assertEquals(sha1, e.fileSha1());
        assertEquals(ImgapiClient.OWNER, e.owner());

        ImgapiClient.Response act = fed.client("b").post("/images/" + uuid + "?action=activate", "{}");
        assertEquals(200, act.status(), act.toString());
        assertEquals("active", act.json().path("state").asText());
        ImgapiClient.Response atHome = fed.client("a").get("/images/" + uuid + "/file");
        assertEquals(200, atHome.status());
        assertEquals("hit", atHome.header("X-Imgfed-Cache"));
        assertArrayEquals(file, atHome.body());
        Await.until("c sees the file present at a", CONVERGE, () -> fed.client("c").get("/federation/availability?uuid=" + uuid)
                .json().path(0).path("dcs").path("a").path("state").asText().equals("present"));

        // A second file is refused by the home, and that answer is relayed; refused before its body was read,
        // the upload still leaves the connection usable for the next request.
        byte[] second = new byte[4 * 1024 * 1024];
        ImgapiClient.Response again = fed.client("b").upload(uuid, second);
        assertAnswersPromptly(fed.client("b"));
        ImgapiClient.Response direct = fed.client("a").upload(uuid, second);
        assertAnswersPromptly(fed.client("a"));
        assertEquals(direct.status(), again.status(), again.toString());
        assertEquals(direct.code(), again.code());
        assertEquals("ImageFilesImmutable", again.code());
    }

    /** The client's next request (on its kept-alive connection) is answered at once. */
    static void assertAnswersPromptly(ImgapiClient api) {
        long t0 = System.nanoTime();
        assertEquals(200, api.get("/ping").status());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5000, "the next request on the connection took " + ms + " ms");
    }

    @Test
    @Order(3)
    void importingAUuidThatExistsAnywhereInTheFederationIsAConflict() {
        String uuid = fed.client("a").activeImage("exists-at-a", new byte[] {3});
        awaitKnown(uuid, "b", "c");
        ObjectNode body = ImgapiClient.manifest("imported-twice", "2.0.0");
        body.put("uuid", uuid);
        for (String dc : new String[] {"c", "b", "a"}) {
            ImgapiClient.Response r = fed.client(dc).post("/images/" + uuid + "?action=import", body);
            assertEquals(409, r.status(), dc + ": " + r);
            assertEquals("ImageUuidAlreadyExists", r.code(), dc + ": " + r);
            JsonNode m = fed.client(dc).get("/images/" + uuid).json();
            assertEquals("a", m.path("home_dc").asText());
            assertEquals("exists-at-a", m.path("name").asText());
        }
        // A uuid nobody has is imported where it is sent, and homed there.
        String fresh = UUID.randomUUID().toString();
        ObjectNode other = ImgapiClient.manifest("imported-once", "1.0.0");
        other.put("uuid", fresh);
        ImgapiClient.Response ok = fed.client("c").post("/images/" + fresh + "?action=import", other);
        assertEquals(200, ok.status(), ok.toString());
        assertEquals("c", ok.json().path("home_dc").asText(), ok.toString());
        awaitKnown(fresh, "a", "b");
        assertEquals(409, fed.client("a").post("/images/" + fresh + "?action=import", other).status());
    }

    /** One mutation, and how to send it to a DC. */
    record Mutation(String what, Supplier<ImgapiClient.Response> send) {
    }

    static List<Mutation> mutations(String via, String image, String unactivated) {
        ImgapiClient api = fed.client(via);
        return List.of(
                new Mutation("update", () -> api.post("/images/" + image + "?action=update", "{\"description\":\"never\"}")),
                new Mutation("disable", () -> api.post("/images/" + image + "?action=disable", "{}")),
                new Mutation("enable", () -> api.post("/images/" + image + "?action=enable", "{}")),
                new Mutation("acl add", () -> api.post("/images/" + image + "/acl?action=add", "[\"" + ACCOUNT_1 + "\"]")),
                new Mutation("acl remove", () -> api.post("/images/" + image + "/acl?action=remove", "[\"" + ACCOUNT_2 + "\"]")),
                new Mutation("delete", () -> api.delete("/images/" + image)),
                new Mutation("add file", () -> api.upload(unactivated, new byte[] {7, 7, 7})),
                new Mutation("add a 4 MiB file", () -> api.upload(unactivated, new byte[4 * 1024 * 1024])),
                new Mutation("activate", () -> api.post("/images/" + unactivated + "?action=activate", "{}")));
    }

    static void assertHomeUnavailable(Mutation m, ImgapiClient.Response r) {
        assertEquals(503, r.status(), m.what() + ": " + r);
        assertTrue(r.header("Content-Type").startsWith("application/json"), m.what() + ": " + r.header("Content-Type"));
        assertEquals("ServiceUnavailable", r.code(), m.what() + ": " + r);
        JsonNode err = r.json().path("errors").path(0);
        assertEquals("home_dc", err.path("field").asText(), m.what() + ": " + r);
        assertEquals("a", err.path("message").asText(), m.what() + ": " + r);
        assertTrue(r.json().path("message").asText().contains("DC a"), m.what() + ": " + r);
        assertNotNull(r.header("Retry-After"), m.what() + " has a Retry-After");
        assertTrue(Integer.parseInt(r.header("Retry-After")) > 0);
    }

    @Test
    @Order(4)
    void whileTheHomeIsUnreachableOrGoneMutationsElsewhereAre503NamingIt() {
        String image = fed.client("a").activeImage("home-goes-away", new byte[] {4});
        String unactivated = fed.client("a").create(ImgapiClient.manifest("home-goes-away-2", "1.0.0"));
        awaitKnown(image, "b", "c");
        awaitKnown(unactivated, "b", "c");
        JsonNode before = fed.client("b").get("/images/" + image).json();

        fed.stopDc("a");
        // Not yet judged gone, but nobody answers on its peer listener.
        String statusOfA = statusAt("b", "a");
        for (Mutation m : mutations("b", image, unactivated)) {
            assertHomeUnavailable(m, m.send().get());
            assertAnswersPromptly(fed.client("b"));
        }
        assertTrue(statusOfA.equals("alive") || statusOfA.equals("suspect"), "a was not gone yet: " + statusOfA);

        Await.until("b and c see a gone", CONVERGE, () -> statusAt("b", "a").equals("gone") && statusAt("c", "a").equals("gone"));
        for (String via : new String[] {"b", "c"}) {
            for (Mutation m : mutations(via, image, unactivated)) {
                assertHomeUnavailable(m, m.send().get());
                assertAnswersPromptly(fed.client(via));
            }
        }
        assertEquals(Json.bytes(before).length, Json.bytes(fed.client("b").get("/images/" + image).json()).length);
        assertEquals(before, fed.client("b").get("/images/" + image).json(), "nothing changed anywhere");
        assertEquals("unactivated", fed.client("c").get("/images/" + unactivated).json().path("state").asText());

        fed.startDc("a");
        Await.until("b sees a alive again", CONVERGE, () -> statusAt("b", "a").equals("alive"));
        ImgapiClient.Response upd = fed.client("b").post("/images/" + image + "?action=update", "{\"description\":\"back\"}");
        assertEquals(200, upd.status(), upd.toString());
        assertEquals("back", fed.client("a").get("/images/" + image).json().path("description").asText());
    }

    static String statusAt(String observer, String dc) {
        for (JsonNode d : fed.client(observer).get("/federation/dcs").json()) {
            if (d.path("name").asText().equals(dc)) {
                return d.path("status").asText();
            }
        }
        return "unknown";
    }
}
