package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.RogueMember;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trust on first use (no {@code federation.trust}) against a rogue Hazelcast member (issue 12). The DCs a, b and c
 * list the federation's names a, b, c and d (d has not joined yet). A key the rogue announces for a name that is
 * not listed is refused everywhere as unlisted_dc and never pinned, so nothing signed with it is believed. A key
 * it announces for d is pinned: the limit of trust on first use, which the README states (use CA trust).
 */
class SecurityTofuRogueMemberTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final String[] DCS = {"a", "b", "c"};

    @TempDir
    static Path dir;
    static TestFederation fed;
    static RogueMember rogue;
    static ReplicatedMap<String, byte[]> board;
    static String legit;

    @BeforeAll
    static void start() {
        TestFederation.Builder b = TestFederation.builder(dir).common("federation: {cluster: tofu-rogue, dcs: [a, b, c, d]}\n");
        for (String dc : DCS) {
            b.dc(dc, "");
        }
        fed = b.start();
        legit = fed.client("a").activeImage("legit", new byte[] {1, 2, 3});
        for (String dc : new String[] {"b", "c"}) {
            Await.until(dc + " knows a's image", CONVERGE, () -> fed.client(dc).get("/images/" + legit).status() == 200);
        }
        rogue = RogueMember.join("tofu-rogue", fed.memberAddresses());
        board = rogue.board();
        Await.until("the rogue member holds the board", CONVERGE, () -> board.containsKey("m/a/" + legit));
    }

    @AfterAll
    static void stop() {
        try {
            if (rogue != null) {
                rogue.close();
            }
        } finally {
            if (fed != null) {
                fed.close();
            }
        }
    }

    private static long future() {
        return (System.currentTimeMillis() + 3_600_000L) * 1000;
    }

    private static byte[] signed(RecordKind kind, String dc, String id, byte[] payload, KeyPair key) {
        return SignedRecord.sign(kind, dc, id, future(), System.currentTimeMillis(), payload, key.getPrivate()).encode();
    }

    private static byte[] keyAnnouncement(String dc, KeyPair key) {
        return signed(RecordKind.KEY, dc, "", new KeyRecord(dc, key.getPublic().getEncoded(), null).toPayload(), key);
    }

    private static String pinnedKeys(String dc) {
        try {
            return Files.readString(fed.dataDir(dc).resolve("federation/pinned-keys.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean listsDc(String observer, String name) {
        for (JsonNode d : fed.client(observer).get("/federation/dcs").json()) {
            if (d.path("name").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aKeyForAnUnlistedDcNameIsRefusedEverywhereAndNothingSignedWithItIsBelieved() throws Exception {
        java.util.Map<String, Double> unknownBefore = new java.util.HashMap<>();
        java.util.Map<String, Double> mismatchBefore = new java.util.HashMap<>();
        for (String dc : DCS) {
            assertEquals(0.0, SecurityKit.rejected(fed.client(dc), "unlisted_dc"), dc + ": the series is there from the start");
            assertTrue(fed.client(dc).get("/metrics").text().contains("reason=\"unlisted_dc\""), dc + ": at 0 from the start");
            unknownBefore.put(dc, SecurityKit.rejected(fed.client(dc), "unknown_key"));
            mismatchBefore.put(dc, SecurityKit.rejected(fed.client(dc), "key_mismatch"));
        }
        KeyPair rogueKey = SecurityKit.ed25519();
        SignedRecord genuine = SignedRecord.decode(board.get("m/a/" + legit));
        String forged = UUID.randomUUID().toString();
        ObjectNode manifest = (ObjectNode) genuine.payloadJson().deepCopy();
        manifest.put("uuid", forged);
        ((ObjectNode) manifest.path("manifest").path("fields")).put("uuid", forged).put("name", "from-zz");
        ((ObjectNode) manifest.path("manifest")).put("home_dc", "zz");

        board.put("k/zz", keyAnnouncement("zz", rogueKey));
        board.put("d/zz", signed(RecordKind.DC, "zz", "", new DcRecord("zz", "127.0.0.1:1", "rogue", 1, 0, 0, 0).toPayload(),
                rogueKey));
        board.put("m/zz/" + forged, signed(RecordKind.MANIFEST, "zz", forged, Json.bytes(manifest), rogueKey));

        for (String dc : DCS) {
            Await.until(dc + " refuses zz's key as unlisted_dc", CONVERGE,
                    () -> SecurityKit.rejected(fed.client(dc), "unlisted_dc") == 1.0);
            // zz's records find no key: after the grace they count as signed by an unknown key.
            Await.until(dc + " drops zz's records as unknown_key", CONVERGE,
                    () -> SecurityKit.rejected(fed.client(dc), "unknown_key") >= unknownBefore.get(dc) + 2);
        }
        for (String dc : DCS) {
            assertFalse(pinnedKeys(dc).contains("\"zz\""), dc + " pinned zz: " + pinnedKeys(dc));
            assertFalse(listsDc(dc, "zz"), dc + " lists DC zz");
            assertEquals(404, fed.client(dc).get("/images/" + forged).status(), dc + " shows zz's image");
            assertEquals(mismatchBefore.get(dc), SecurityKit.rejected(fed.client(dc), "key_mismatch"), dc);
        }
    }

    /** The limit of trust on first use: the first key announced for a listed DC that has not joined is pinned. */
    @Test
    void aKeyForAListedDcThatHasNotJoinedIsPinnedByWhoeverAnnouncesItFirst() throws Exception {
        KeyPair rogueKey = SecurityKit.ed25519();
        board.put("k/d", keyAnnouncement("d", rogueKey));
        String rogueKeyB64 = Base64.getEncoder().encodeToString(rogueKey.getPublic().getEncoded());
        for (String dc : DCS) {
            Await.until(dc + " pins the first key announced for d", CONVERGE, () -> pinnedKeys(dc).contains(rogueKeyB64));
        }
        // The real d, when it joins with its own key, would now be refused as key_mismatch by every DC. Under CA
        // trust (SecurityRogueMemberTest) no announcement without the CA's certificate for d is ever admitted.
        KeyPair realD = SecurityKit.ed25519();
        board.put("k/d", keyAnnouncement("d", realD));
        for (String dc : DCS) {
            Await.until(dc + " refuses a second key for d", CONVERGE,
                    () -> SecurityKit.rejected(fed.client(dc), "key_mismatch") >= 1.0);
            assertTrue(pinnedKeys(dc).contains(rogueKeyB64), dc);
        }
    }
}
