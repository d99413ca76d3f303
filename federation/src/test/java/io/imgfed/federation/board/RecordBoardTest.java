package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signed record board on a real Hazelcast replicated map: what other DCs publish arrives verified and
 * newer-wins; forged, unsigned, misplaced and unknown-key records are dropped and counted by reason; a DC puts
 * back what others overwrite; its own records from before a restart are corrected, not counted as attacks.
 */
class RecordBoardTest {
    static final String[] REASONS = {"malformed", "bad_signature", "unknown_key", "key_mismatch"};
    static final Duration SHORT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;
    final ReplicatedMap<String, byte[]> map = BoardFixture.map();
    final List<TestDc> dcs = new ArrayList<>();

    @AfterEach
    void clear() {
        dcs.forEach(TestDc::close);
        map.clear();
    }

    TestDc dc(String name) {
        TestDc d = TestDc.create(name, tmp.resolve(name), map);
        dcs.add(d);
        return d;
    }

    static byte[] payload(int n) {
        return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    static int n(SignedRecord r) {
        try {
            return r.payloadJson().path("n").asInt();
        } catch (MalformedRecordException e) {
            throw new AssertionError(e);
        }
    }

    static void assertNoRejections(TestDc d) {
        for (String reason : REASONS) {
            assertEquals(0.0, d.rejected(reason), d.dc + " rejected a record (" + reason + ")");
        }
    }

    static void assertHandlersRanOnBoardThread(TestDc d) {
        for (TestDc.Received r : d.received) {
            assertEquals("imgfed-board-" + d.dc, r.thread(), d.dc + " handled " + r.record() + " off the board thread");
        }
    }

    @Test
    void recordsArriveVerifiedNewerWinsAndAReplayedOldRecordIsIgnoredAndPutBack() {
        TestDc a = dc("a").start();
        TestDc b = dc("b").start();
        String u = UUID.randomUUID().toString();
        String key = "m/a/" + u;

        a.board.publish(RecordKind.MANIFEST, u, payload(1));
        await("b receives a's record", SHORT, () -> b.receivedUnder(key).size() == 1);
        byte[] v1 = map.get(key);
        a.board.publish(RecordKind.MANIFEST, u, payload(2));
        await("b receives a's newer record", SHORT, () -> b.receivedUnder(key).size() == 2);
        byte[] v2 = map.get(key);
        assertFalse(Arrays.equals(v1, v2));

        // Someone puts a's older record back (a replay, or a stale replica after a merge).
        map.put(key, v1);
        await("a puts its newest record back", SHORT, () -> Arrays.equals(map.get(key), v2));
        // Events of one key arrive in order: once b has v3, it has seen the replay and the repair.
        a.board.publish(RecordKind.MANIFEST, u, payload(3));
        await("b receives v3", SHORT, () -> b.receivedUnder(key).size() == 3);
        assertEquals(List.of(1, 2, 3), b.receivedUnder(key).stream().map(RecordBoardTest::n).toList(),
                "b took each version once, in order, and never went back to the replayed one");
        for (SignedRecord r : b.receivedUnder(key)) {
            assertTrue(r.verify(a.identity.publicKey()));
        }
        assertNoRejections(a);
        assertNoRejections(b);
        assertHandlersRanOnBoardThread(a);
        assertHandlersRanOnBoardThread(b);
    }

    @Test
    void forgedUnsignedMisplacedAndUnknownKeyRecordsAreDroppedCountedAndRepaired() {
        TestDc a = dc("a").start();
        TestDc b = dc("b").start();
        String legit = UUID.randomUUID().toString();
        a.board.publish(RecordKind.MANIFEST, legit, payload(1));
        await("b receives a's legit record", SHORT, () -> b.receivedUnder("m/a/" + legit).size() == 1
                && b.receivedUnder("k/a").size() == 1);
        byte[] legitBytes = map.get("m/a/" + legit);
        byte[] legitKey = map.get("k/a");
        int receivedBefore = b.received.size();

        KeyPair rogue = Ed25519.generate();
        long future = (System.currentTimeMillis() + 3_600_000L) * 1000;
        long now = System.currentTimeMillis();
        String u1 = UUID.randomUUID().toString();
        String u2 = UUID.randomUUID().toString();
        String u3 = UUID.randomUUID().toString();
        String u4 = UUID.randomUUID().toString();
        String u5 = UUID.randomUUID().toString();
        // malformed: garbage under a plausible key and under a key of no known shape
        map.put("m/a/" + u1, "not a record".getBytes(StandardCharsets.UTF_8));
        map.put("zzz", new byte[] {0, 1, 2, (byte) 0xff});
        // bad signature: a well-formed record in a's name signed by another key
        map.put("m/a/" + u2, SignedRecord.sign(RecordKind.MANIFEST, "a", u2, future, now, payload(666), rogue.getPrivate()).encode());
        // malformed: unsigned
        ObjectNode unsigned = (ObjectNode) Json.tree(
                SignedRecord.sign(RecordKind.MANIFEST, "a", u3, future, now, payload(666), rogue.getPrivate()).encode());
        unsigned.remove("s");
        map.put("m/a/" + u3, Json.bytes(unsigned));
        // key_mismatch: a's key announcement replaced by another key (properly self-signed)
        map.put("k/a", SignedRecord.sign(RecordKind.KEY, "a", "", future, now,
                new KeyRecord("a", rogue.getPublic().getEncoded(), null).toPayload(), rogue.getPrivate()).encode());
        // unknown_key: a DC nobody has a key for
        long unknownPutAt = System.nanoTime();
        map.put("m/zz/" + u4, SignedRecord.sign(RecordKind.MANIFEST, "zz", u4, future, now, payload(666), rogue.getPrivate()).encode());
        // malformed: a's genuine record under another record's key
        map.put("m/a/" + u5, legitBytes);
        // bad signature: a's legit record overwritten by a forged newer version
        map.put("m/a/" + legit, SignedRecord.sign(RecordKind.MANIFEST, "a", legit, future, now, payload(666), rogue.getPrivate()).encode());

        Map<String, Double> expectB = Map.of("malformed", 4.0, "bad_signature", 2.0, "key_mismatch", 1.0);
        // a sees its own name forged three times (u2, k/a, the legit record)
        Map<String, Double> expectA = Map.of("malformed", 4.0, "bad_signature", 3.0, "key_mismatch", 0.0);
        await("b counts the forgeries", SHORT, () -> expectB.entrySet().stream().allMatch(e -> b.rejected(e.getKey()) == e.getValue()));
        await("a counts the forgeries", SHORT, () -> expectA.entrySet().stream().allMatch(e -> a.rejected(e.getKey()) == e.getValue()));
        await("a put its overwritten records back", Duration.ofSeconds(15),
                () -> Arrays.equals(map.get("m/a/" + legit), legitBytes) && Arrays.equals(map.get("k/a"), legitKey));
        if (System.nanoTime() - unknownPutAt < Duration.ofSeconds(4).toNanos()) {
            assertEquals(0.0, b.rejected("unknown_key"), "a record of an unknown DC waits for its key a while");
        }
        await("unknown_key counted after the grace", Duration.ofSeconds(10),
                () -> a.rejected("unknown_key") == 1.0 && b.rejected("unknown_key") == 1.0);
        long waited = (System.nanoTime() - unknownPutAt) / 1_000_000;
        assertTrue(waited >= 4900, "unknown_key counted after " + waited + " ms, before the 5 s grace");

        // Nothing forged reached a handler; b still trusts a's real key and accepts a's next record.
        assertEquals(receivedBefore, b.received.size(), "forged records reached b's handlers: " + b.received);
        assertEquals(0, a.received.stream().filter(r -> r.record().dc().equals("a") || r.record().dc().equals("zz")).count());
        assertArrayEquals(a.identity.publicKey().getEncoded(), b.trust.keyFor("a").getEncoded());
        a.board.publish(RecordKind.MANIFEST, legit, payload(2));
        await("b accepts a's next genuine record", SHORT, () -> b.receivedUnder("m/a/" + legit).size() == 2);
        expectB.forEach((reason, n) -> assertEquals(n, b.rejected(reason), "b " + reason));
        expectA.forEach((reason, n) -> assertEquals(n, a.rejected(reason), "a " + reason));
        assertEquals(1.0, b.rejected("unknown_key"));
    }

    @Test
    void aRecordWhoseKeyArrivesWithinTheGraceIsAccepted() throws Exception {
        TestDc b = dc("b").start();
        SigningIdentity late = SigningIdentity.loadOrGenerate("late", tmp.resolve("late"));
        String u = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        map.put("m/late/" + u, SignedRecord.sign(RecordKind.MANIFEST, "late", u, now * 1000, now, payload(1), late.privateKey()).encode());
        map.put("k/late", SignedRecord.sign(RecordKind.KEY, "late", "", now * 1000 + 1, now, late.keyRecord().toPayload(),
                late.privateKey()).encode());
        await("b accepts the record once the key is in", SHORT, () -> b.receivedUnder("m/late/" + u).size() == 1);
        assertNotNull(b.trust.keyFor("late"));
        assertNoRejections(b);
    }

    @Test
    void ownRecordsFromBeforeARestartAreClaimedOrCorrectedNotCountedAsForgeries() {
        TestDc b = dc("b").start();
        b.board.publish(RecordKind.DC, "", payload(0));
        TestDc a1 = dc("a").start();
        String kept = UUID.randomUUID().toString();
        String dropped = UUID.randomUUID().toString();
        String sha1 = "0123456789abcdef0123456789abcdef01234567";
        a1.board.publish(RecordKind.MANIFEST, kept, payload(1));
        a1.board.publish(RecordKind.MANIFEST, dropped, payload(1));
        a1.board.publish(RecordKind.AVAILABILITY, sha1, payload(1));
        await("b has a's records", SHORT, () -> b.receivedUnder("m/a/" + dropped).size() == 1
                && b.receivedUnder("a/a/" + sha1).size() == 1 && b.receivedUnder("m/a/" + kept).size() == 1);
        byte[] oldKey = map.get("k/a");
        byte[] oldKept = map.get("m/a/" + kept);
        a1.close();

        // a restarts on the same state dir: same key; it publishes only what it still has, then starts.
        TestDc a2 = TestDc.create("a", tmp.resolve("a"), map);
        dcs.add(a2);
        a2.board.publish(RecordKind.MANIFEST, kept, payload(2));
        a2.start();
        await("a is told about its records it no longer publishes", SHORT,
                () -> a2.unclaimed.contains(dropped) && a2.unclaimed.contains(sha1));
        assertFalse(a2.unclaimed.contains(kept), "a still publishes " + kept);
        await("a's new records replace the old ones", SHORT,
                () -> !Arrays.equals(map.get("k/a"), oldKey) && !Arrays.equals(map.get("m/a/" + kept), oldKept));
        await("b takes a's new version", SHORT, () -> b.receivedUnder("m/a/" + kept).size() == 2);

        // An old replica of a's records shows up again (a healed partition): a repairs it quietly.
        map.put("k/a", oldKey);
        map.put("m/a/" + kept, oldKept);
        await("a puts its current records back", SHORT,
                () -> !Arrays.equals(map.get("k/a"), oldKey) && !Arrays.equals(map.get("m/a/" + kept), oldKept));
        a2.board.publish(RecordKind.MANIFEST, kept, payload(3));
        await("b takes a's next version", SHORT, () -> b.receivedUnder("m/a/" + kept).size() == 3);

        assertNoRejections(a2);
        assertNoRejections(b);
        assertHandlersRanOnBoardThread(a2);
        assertHandlersRanOnBoardThread(b);
        assertTrue(a2.received.stream().anyMatch(r -> r.record().boardKey().equals("d/b")),
                "a read b's heartbeat already on the board when it started");
    }
}
