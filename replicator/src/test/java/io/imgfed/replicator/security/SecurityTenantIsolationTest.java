package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.billing.Outbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant isolation across the federation (IMGAPI's datacenter mode, {@code ?account=} scoping): a private image
 * of account A homed at DC a is 404 for account B in both DCs, for reads, files, availability and mutations, and
 * stays so after b holds a cached copy of its file; public images and acl'd accounts see it; the cross-DC pull
 * is billed to the owner.
 */
class SecurityTenantIsolationTest {
    static final String A = "11111111-1111-4111-8111-111111111111";
    static final String B = "22222222-2222-4222-8222-222222222222";
    static final String C = "33333333-3333-4333-8333-333333333333";
    private static final Duration CONVERGE = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.builder(dir).common("federation: {cluster: sec-tenants}\n").dc("a", "").dc("b", "").start();
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
    }

    /** An active image of account A at DC a, visible in DC b. */
    private static String imageOfA(String name, boolean isPublic, byte[] file) {
        ImgapiClient a = fed.client("a");
        ObjectNode m = ImgapiClient.manifest(name, "1.0.0");
        m.put("owner", A);
        m.put("public", isPublic);
        ImgapiClient.Response created = a.post("/images?account=" + A, m);
        assertEquals(200, created.status(), created.toString());
        String uuid = created.json().path("uuid").asText();
        assertEquals(200, a.put("/images/" + uuid + "/file?compression=none&account=" + A + "&sha1=" + ImgapiClient.sha1(file),
                file).status());
        assertEquals(200, a.post("/images/" + uuid + "?action=activate&account=" + A, "{}").status());
        Await.until("b knows " + name + " and that a holds its file", CONVERGE, () -> {
            JsonNode arr = fed.client("b").get("/federation/availability?uuid=" + uuid).json();
            return arr.size() == 1 && arr.get(0).path("dcs").path("a").path("state").asText().equals("present");
        });
        return uuid;
    }

    private static void assertHiddenFrom(String account, String uuid, String dc) {
        ImgapiClient c = fed.client(dc);
        String q = "?account=" + account;
        for (String path : new String[] {"/images/" + uuid + q, "/images/" + uuid + "/file" + q}) {
            ImgapiClient.Response r = c.get(path);
            assertEquals(404, r.status(), dc + " " + path + ": " + r);
            assertEquals("ResourceNotFound", r.code(), dc + " " + path);
        }
        assertEquals(404, c.head("/images/" + uuid + "/file" + q).status(), dc + " HEAD file");
        assertEquals("[]", c.get("/federation/availability?uuid=" + uuid + "&account=" + account).text(), dc);
        assertFalse(c.get("/federation/availability?owner=" + A + "&account=" + account).text().contains(uuid), dc);
        for (String list : new String[] {"/images" + q, "/images" + q + "&state=all", "/images" + q + "&owner=" + A,
            "/images" + q + "&public=false"}) {
            assertFalse(c.get(list).text().contains(uuid), dc + " " + list);
        }
        // Mutations: no hint that the image exists, and nothing changes (at home or forwarded there).
        ImgapiClient.Response update = c.post("/images/" + uuid + "?action=update&account=" + account, "{\"description\": \"pwned\"}");
        assertEquals(404, update.status(), dc + " update: " + update);
        assertEquals(404, c.post("/images/" + uuid + "?action=disable&account=" + account, "{}").status(), dc + " disable");
        assertEquals(404, c.post("/images/" + uuid + "/acl?action=add&account=" + account, "[\"" + account + "\"]").status(),
                dc + " acl add");
        assertEquals(404, c.put("/images/" + uuid + "/file?compression=none&account=" + account, new byte[] {1}).status(),
                dc + " add file");
        assertEquals(404, c.post("/images/" + uuid + "?action=replicate&account=" + account, "{}").status(), dc + " replicate");
        assertEquals(404, c.delete("/images/" + uuid + q).status(), dc + " delete");
        JsonNode home = fed.client("a").get("/images/" + uuid).json();
        assertEquals("active", home.path("state").asText(), "still active and enabled: " + home);
        assertFalse(home.path("description").asText("").contains("pwned"));
        assertFalse(home.path("acl").toString().contains(account), "acl unchanged: " + home);
    }

    @Test
    void privateImageIsHiddenFromOtherAccountsInEveryDcEvenWhenCached() throws Exception {
        byte[] file = new byte[256 * 1024 + 5];
        new Random(3).nextBytes(file);
        String uuid = imageOfA("private-a", false, file);
        for (String dc : new String[] {"a", "b"}) {
            assertEquals(200, fed.client(dc).get("/images/" + uuid + "?account=" + A).status(), "the owner sees it in " + dc);
            assertHiddenFrom(B, uuid, dc);
        }

        // The owner provisions at b: the file is pulled across and cached there.
        ImgapiClient.Response pulled = fed.client("b").get("/images/" + uuid + "/file?account=" + A);
        assertEquals(200, pulled.status(), pulled.toString());
        assertEquals("miss", pulled.header("X-Imgfed-Cache"));
        assertArrayEquals(file, pulled.body());
        assertTrue(fed.dc("b").daemon().store().contains(ImgapiClient.sha1(file)), "b holds a copy now");
        Await.until("a sees b's copy", CONVERGE, () -> fed.client("a").get("/federation/availability?uuid=" + uuid).json()
                .get(0).path("dcs").path("b").path("state").asText().equals("present"));
        for (String dc : new String[] {"a", "b"}) {
            assertHiddenFrom(B, uuid, dc);
        }
        assertEquals("hit", fed.client("b").get("/images/" + uuid + "/file?account=" + A).header("X-Imgfed-Cache"));

        // The cross-DC bytes are billed to the owner, not to whoever asked.
        Outbox outbox = fed.dc("b").daemon().billing().outbox();
        JsonNode event = Await.value("b's billing event for the pull", CONVERGE, () -> {
            try {
                for (Outbox.Entry e : outbox.pending(10_000, Set.of())) {
                    JsonNode ev = Json.tree(e.payload());
                    if (ev.path("image_uuid").asText().equals(uuid) && ev.path("type").asText().equals("transfer.completed")) {
                        return ev;
                    }
                }
                return null;
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        assertEquals(A, event.path("owner").asText(), event.toString());
        assertEquals("a", event.path("source_dc").asText());
        assertEquals("b", event.path("dest_dc").asText());
        assertEquals(file.length, event.path("bytes").asLong());
    }

    @Test
    void publicImagesAndAclsOpenVisibility() {
        byte[] file = "public bytes".getBytes(StandardCharsets.US_ASCII);
        String pub = imageOfA("public-a", true, file);
        for (String dc : new String[] {"a", "b"}) {
            ImgapiClient c = fed.client(dc);
            assertEquals(200, c.get("/images/" + pub + "?account=" + B).status(), dc);
            assertTrue(c.get("/images?account=" + B).text().contains(pub), dc);
            ImgapiClient.Response got = c.get("/images/" + pub + "/file?account=" + B);
            assertEquals(200, got.status(), dc + ": " + got);
            assertArrayEquals(file, got.body());
            // Visible is not owned: B cannot change it.
            ImgapiClient.Response upd = c.post("/images/" + pub + "?action=update&account=" + B, "{\"description\": \"x\"}");
            assertEquals("NotImageOwner", upd.code(), dc + ": " + upd);
        }
        // A disabled public image is no longer public to others.
        assertEquals(200, fed.client("a").post("/images/" + pub + "?action=disable&account=" + A, "{}").status());
        for (String dc : new String[] {"a", "b"}) {
            Await.until(dc + " hides the disabled image from B", CONVERGE,
                    () -> fed.client(dc).get("/images/" + pub + "?account=" + B).status() == 404);
        }

        byte[] privFile = "shared bytes".getBytes(StandardCharsets.US_ASCII);
        String priv = imageOfA("shared-a", false, privFile);
        // The owner shares it with C through b (forwarded to the home DC a).
        ImgapiClient.Response acl = fed.client("b").post("/images/" + priv + "/acl?action=add&account=" + A, "[\"" + C + "\"]");
        assertEquals(200, acl.status(), acl.toString());
        for (String dc : new String[] {"a", "b"}) {
            Await.until(dc + " shows C the shared image", CONVERGE,
                    () -> fed.client(dc).get("/images/" + priv + "?account=" + C).status() == 200);
            assertEquals(200, fed.client(dc).get("/images/" + priv + "/file?account=" + C).status(), dc);
            assertTrue(fed.client(dc).get("/images?account=" + C).text().contains(priv), dc);
            assertHiddenFrom(B, priv, dc);
        }
    }
}
