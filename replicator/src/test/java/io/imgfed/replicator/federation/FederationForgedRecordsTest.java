package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PromMetrics;
import io.imgfed.replicator.testkit.RogueMember;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain Hazelcast member joins the federation's cluster and writes forged, unsigned, misplaced and
 * unknown-key records on the board. Every DC ignores them, counts them by reason, and a puts back the records
 * of its own that were overwritten.
 */
class FederationForgedRecordsTest {
    static final Duration CONVERGE = Duration.ofSeconds(10);
    static final String[] DCS = {"a", "b", "c"};

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.start(dir, DCS);
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
    }

    static JsonNode availability(String dc, String uuid) {
        JsonNode arr = fed.client(dc).get("/federation/availability?uuid=" + uuid).json();
        return arr.size() == 1 ? arr.get(0) : null;
    }

    /** What availability says about an image, without the parts that move by themselves (none here). */
    static String availabilityView(String dc, String uuid) {
        JsonNode a = availability(dc, uuid);
        return a == null ? "none" : Json.bytes(a).length + ":" + a;
    }

    static boolean listed(String dc, String uuid) {
        for (JsonNode m : fed.client(dc).get("/images?state=all").json()) {
            if (m.path("uuid").asText().equals(uuid)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void forgedRecordsAreIgnoredEverywhereCountedByReasonAndOverwrittenRecordsRestored() {
        byte[] file = new byte[32 * 1024];
        new Random(3).nextBytes(file);
        String legit = fed.client("a").activeImage("legit", file);
        String sha1 = ImgapiClient.sha1(file);
        Map<String, String> before = new LinkedHashMap<>();
        for (String dc : DCS) {
            Await.until(dc + " shows the legit image present at a", CONVERGE, () -> {
                JsonNode av = availability(dc, legit);
                return av != null && av.path("dcs").path("a").path("state").asText().equals("present")
                        && av.path("dcs").size() == 3;
            });
            PromMetrics m = PromMetrics.scrape(fed.client(dc));
            for (String reason : new String[] {"malformed", "bad_signature", "unknown_key", "key_mismatch"}) {
                assertEquals(0.0, m.rejected(reason), dc + " rejected nothing before the attack (" + reason + ")");
            }
            before.put(dc, availabilityView(dc, legit));
        }

        try (RogueMember rogue = RogueMember.join("imgfed", fed.memberAddresses())) {
            ReplicatedMap<String, byte[]> board = rogue.board();
            byte[] legitRecord = Await.value("a's manifest on the board", CONVERGE, () -> board.get("m/a/" + legit));
            byte[] legitKey = Await.value("a's key on the board", CONVERGE, () -> board.get("k/a"));
            SignedRecord genuine = decode(legitRecord);
            assertTrue(genuine.verify(Ed25519.publicKey(keyOf(legitKey))), "the board holds a's genuine record");

            KeyPair key = Ed25519.generate();
            long now = System.currentTimeMillis();
            long future = (now + 3_600_000L) * 1000;
            String garbage = UUID.randomUUID().toString();
            String forged = UUID.randomUUID().toString();
            String unsigned = UUID.randomUUID().toString();
            String stranger = UUID.randomUUID().toString();
            String moved = UUID.randomUUID().toString();

            // 1. garbage bytes (malformed)
            board.put("m/a/" + garbage, "\u0000\u0001 definitely not a record".getBytes(StandardCharsets.UTF_8));
            // 2. a well-formed manifest of a new image "homed at a", signed by another key (bad_signature)
            board.put("m/a/" + forged, sign(RecordKind.MANIFEST, "a", forged, future, now, manifestPayload(genuine, forged, "forged"), key));
            // 3. the same, unsigned (malformed)
            ObjectNode noSig = (ObjectNode) Json.tree(
                    sign(RecordKind.MANIFEST, "a", unsigned, future, now, manifestPayload(genuine, unsigned, "unsigned"), key));
            noSig.remove("s");
            board.put("m/a/" + unsigned, Json.bytes(noSig));
            // 4. a's key announcement replaced by another, self-signed key (key_mismatch; a itself: bad_signature)
            board.put("k/a", sign(RecordKind.KEY, "a", "", future, now,
                    new KeyRecord("a", key.getPublic().getEncoded(), null).toPayload(), key));
            // 5. a DC nobody knows (unknown_key, after the grace)
            long strangerAt = System.nanoTime();
            ObjectNode strangerPayload = (ObjectNode) Json.tree(manifestPayload(genuine, stranger, "stranger"));
            ((ObjectNode) strangerPayload.get("manifest")).put("home_dc", "zz");
            board.put("m/zz/" + stranger, sign(RecordKind.MANIFEST, "zz", stranger, future, now, Json.bytes(strangerPayload), key));
            // 6. a's genuine record under another image's key (malformed)
            board.put("m/a/" + moved, legitRecord);
            // 7. a's legit image overwritten by a forged newer version (bad_signature), to be restored by a
            board.put("m/a/" + legit, sign(RecordKind.MANIFEST, "a", legit, future, now, manifestPayload(genuine, legit, "hijacked"), key));
            // 8. b claims to hold the legit file, signed by another key (bad_signature)
            board.put("a/b/" + sha1, sign(RecordKind.AVAILABILITY, "b", sha1, future, now,
                    new AvailabilityRecord(sha1, FileState.PRESENT, 1, file.length).toPayload(), key));

            Map<String, Map<String, Double>> expected = Map.of(
                    "a", Map.of("malformed", 3.0, "bad_signature", 4.0, "key_mismatch", 0.0),
                    "b", Map.of("malformed", 3.0, "bad_signature", 3.0, "key_mismatch", 1.0),
                    "c", Map.of("malformed", 3.0, "bad_signature", 3.0, "key_mismatch", 1.0));
            for (String dc : DCS) {
                Await.until(dc + " counts the forged records by reason " + expected.get(dc), CONVERGE, () -> {
                    PromMetrics m = PromMetrics.scrape(fed.client(dc));
                    return expected.get(dc).entrySet().stream().allMatch(e -> m.rejected(e.getKey()) == e.getValue());
                });
            }
            Await.until("a restores its overwritten records on the board", Duration.ofSeconds(15),
                    () -> Arrays.equals(board.get("m/a/" + legit), legitRecord) && Arrays.equals(board.get("k/a"), legitKey));
            for (String dc : DCS) {
                Await.until(dc + " counts the unknown-key record after the grace", CONVERGE,
                        () -> PromMetrics.scrape(fed.client(dc)).rejected("unknown_key") == 1.0);
            }
            long waited = (System.nanoTime() - strangerAt) / 1_000_000;
            assertTrue(waited >= 4900, "unknown_key counted after " + waited + " ms, before the 5 s grace");

            for (String dc : DCS) {
                ImgapiClient api = fed.client(dc);
                for (String u : List.of(garbage, forged, unsigned, stranger, moved)) {
                    assertEquals(404, api.get("/images/" + u).status(), dc + " shows no image " + u);
                    assertFalse(listed(dc, u), dc + " lists no image " + u);
                    JsonNode av = api.get("/federation/availability?uuid=" + u).json();
                    assertEquals(0, av.size(), dc + " has no availability for " + u);
                }
                JsonNode m = api.get("/images/" + legit).json();
                assertEquals("legit", m.path("name").asText(), dc + " kept a's genuine manifest: " + m);
                assertEquals(before.get(dc), availabilityView(dc, legit), dc + ": availability unchanged");
                PromMetrics metrics = PromMetrics.scrape(api);
                expected.get(dc).forEach((reason, n) -> assertEquals(n, metrics.rejected(reason), dc + " " + reason));
            }
            // b and c still trust a's real key: a's next change reaches them.
            assertEquals(200, fed.client("a").post("/images/" + legit + "?action=update", "{\"description\":\"after\"}").status());
            for (String dc : new String[] {"b", "c"}) {
                Await.until(dc + " takes a's next genuine change", CONVERGE,
                        () -> fed.client(dc).get("/images/" + legit).json().path("description").asText().equals("after"));
            }
            assertNotNull(board.get("m/a/" + legit));
        }
    }

    static SignedRecord decode(byte[] b) {
        try {
            return SignedRecord.decode(b);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] keyOf(byte[] keyRecord) {
        try {
            return KeyRecord.fromPayload(decode(keyRecord).payloadJson()).publicKey();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] sign(RecordKind kind, String dc, String id, long version, long at, byte[] payload, KeyPair key) {
        return SignedRecord.sign(kind, dc, id, version, at, payload, key.getPrivate()).encode();
    }

    /** A genuine manifest payload of a's, made over into image {@code uuid} called {@code name}. */
    static byte[] manifestPayload(SignedRecord genuine, String uuid, String name) {
        ObjectNode p;
        try {
            p = (ObjectNode) genuine.payloadJson();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        p.put("uuid", uuid);
        ObjectNode fields = (ObjectNode) p.get("manifest").get("fields");
        fields.put("uuid", uuid);
        fields.put("name", name);
        return Json.bytes(p);
    }
}
