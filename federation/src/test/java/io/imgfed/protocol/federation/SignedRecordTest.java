package io.imgfed.protocol.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The wire form of a signed record: round trip, every malformed field refused, and a signature over every field. */
class SignedRecordTest {
    static final KeyPair KEY = Ed25519.generate();
    static final String UUID = "5b3a4a4e-7c36-4c1e-9d6d-0c6b1f0f5a11";
    static final String SHA1 = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] PAYLOAD = "{\"uuid\":\"5b3a4a4e-7c36-4c1e-9d6d-0c6b1f0f5a11\",\"deleted_at\":1700000000000}"
            .getBytes(StandardCharsets.UTF_8);

    static SignedRecord manifest() {
        return SignedRecord.sign(RecordKind.MANIFEST, "us-east-1", UUID, 1_700_000_000_000_123L, 1_700_000_000_000L, PAYLOAD,
                KEY.getPrivate());
    }

    @Test
    void everyKindRoundTripsThroughTheWireForm() throws Exception {
        SignedRecord[] records = {
            manifest(),
            SignedRecord.sign(RecordKind.AVAILABILITY, "b", SHA1, 7, 8, "{}".getBytes(StandardCharsets.UTF_8), KEY.getPrivate()),
            SignedRecord.sign(RecordKind.DC, "c-1", "", 9, 10, "{\"dc\":\"c-1\"}".getBytes(StandardCharsets.UTF_8), KEY.getPrivate()),
            SignedRecord.sign(RecordKind.KEY, "d", "", 11, 0,
                    new KeyRecord("d", KEY.getPublic().getEncoded(), null).toPayload(), KEY.getPrivate()),
        };
        for (SignedRecord r : records) {
            SignedRecord back = SignedRecord.decode(r.encode());
            assertEquals(r, back);
            assertEquals(r.boardKey(), back.boardKey());
            assertArrayEquals(r.payload(), back.payload());
            assertArrayEquals(r.signature(), back.signature());
            assertTrue(back.verify(KEY.getPublic()), "decoded " + r + " verifies");
        }
        assertEquals("m/us-east-1/" + UUID, records[0].boardKey());
        assertEquals("a/b/" + SHA1, records[1].boardKey());
        assertEquals("d/c-1", records[2].boardKey());
        assertEquals("k/d", records[3].boardKey());
    }

    @Test
    void everyKindRoundTripsThroughTheCompactFormInLessThanHalfTheBytes() throws Exception {
        byte[] manifestPayload = ("{\"uuid\":\"" + UUID + "\",\"manifest\":{\"fields\":{\"owner\":\"930896af-bf8c-48d4-885c-"
                + "6573a94b1853\",\"name\":\"base\",\"version\":\"1.0.0\",\"type\":\"zone-dataset\",\"os\":\"smartos\","
                + "\"v\":2,\"uuid\":\"" + UUID + "\",\"published_at\":\"2026-12-07T04:58:04.958Z\"},\"file\":{\"sha1\":\""
                + SHA1 + "\",\"size\":579025652,\"compression\":\"gzip\"},\"activated\":true,\"home_dc\":\"us-east-1\"}}")
                .getBytes(StandardCharsets.UTF_8);
        SignedRecord[] records = {
            SignedRecord.sign(RecordKind.MANIFEST, "us-east-1", UUID, 5, 6, manifestPayload, KEY.getPrivate()),
            SignedRecord.sign(RecordKind.AVAILABILITY, "b", SHA1, 7, 8, "{}".getBytes(StandardCharsets.UTF_8), KEY.getPrivate()),
            SignedRecord.sign(RecordKind.DC, "c-1", "", 9, 10, "{\"dc\":\"c-1\"}".getBytes(StandardCharsets.UTF_8), KEY.getPrivate()),
            SignedRecord.sign(RecordKind.KEY, "d", "", 11, 0,
                    new KeyRecord("d", KEY.getPublic().getEncoded(), null, 2).toPayload(), KEY.getPrivate()),
        };
        for (SignedRecord r : records) {
            byte[] compact = r.encode(RecordFormat.COMPACT);
            SignedRecord back = SignedRecord.decode(compact);
            assertEquals(r, back);
            assertArrayEquals(r.payload(), back.payload());
            assertTrue(back.verify(KEY.getPublic()), "decoded " + r + " verifies");
            assertArrayEquals(r.encode(), back.encode(RecordFormat.JSON), "the same record in the JSON form");
        }
        int json = records[0].encode().length;
        int compact = records[0].encode(RecordFormat.COMPACT).length;
        assertTrue(compact * 2 < json, "compact " + compact + " bytes against " + json + " in JSON");
        assertEquals(2, KeyRecord.fromPayload(SignedRecord.decode(records[3].encode(RecordFormat.COMPACT)).payloadJson()).reads());
        assertEquals(1, KeyRecord.fromPayload(Json.tree(new KeyRecord("d", new byte[32], null).toPayload())).reads());
    }

    static Stream<Arguments> malformedCompact() {
        byte[] good = manifest().encode(RecordFormat.COMPACT);
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        byte[] badFlags = good.clone();
        int flagsAt = 1 + 1 + 1 + "us-east-1".length() + 1 + UUID.length() + 16;
        badFlags[flagsAt] = 4;
        byte[] hugeLength = good.clone();
        hugeLength[flagsAt + 1] = 0x7f;
        byte[] badKind = good.clone();
        badKind[1] = 'x';
        byte[] longerThanSaid = good.clone();
        longerThanSaid[flagsAt + 4] = (byte) (longerThanSaid[flagsAt + 4] - 1);
        return Stream.of(
                Arguments.of("magic only", new byte[] {(byte) 0xB2}),
                Arguments.of("truncated", java.util.Arrays.copyOf(good, good.length - 1)),
                Arguments.of("trailing bytes", trailing),
                Arguments.of("unknown flags", badFlags),
                Arguments.of("payload longer than the limit", hugeLength),
                Arguments.of("payload inflates past its length", longerThanSaid),
                Arguments.of("unknown kind", badKind));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedCompact")
    void malformedCompactRecordsAreRefused(String what, byte[] bytes) {
        assertThrows(MalformedRecordException.class, () -> SignedRecord.decode(bytes), what);
    }

    static ObjectNode wire() {
        return (ObjectNode) Json.tree(manifest().encode());
    }

    static Arguments bad(String what, Consumer<ObjectNode> change) {
        ObjectNode o = wire();
        change.accept(o);
        return Arguments.of(what, Json.bytes(o));
    }

    static String b64(int n) {
        return Base64.getEncoder().encodeToString(new byte[n]);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("null", null),
                Arguments.of("empty", new byte[0]),
                Arguments.of("not JSON", "garbage".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("truncated JSON", java.util.Arrays.copyOf(manifest().encode(), 40)),
                Arguments.of("JSON array", "[1,2]".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("JSON string", "\"k\"".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("JSON null", "null".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("too large", new byte[SignedRecord.MAX_PAYLOAD * 2 + 1]),
                bad("kind missing", o -> o.remove("k")),
                bad("kind unknown", o -> o.put("k", "x")),
                bad("kind empty", o -> o.put("k", "")),
                bad("kind a number", o -> o.put("k", 1)),
                bad("dc missing", o -> o.remove("dc")),
                bad("dc empty", o -> o.put("dc", "")),
                bad("dc upper case", o -> o.put("dc", "US-EAST-1")),
                bad("dc with underscore", o -> o.put("dc", "us_east")),
                bad("dc with slash", o -> o.put("dc", "a/b")),
                bad("dc too long", o -> o.put("dc", "a".repeat(64))),
                bad("dc a number", o -> o.put("dc", 5)),
                bad("id missing", o -> o.remove("id")),
                bad("manifest id not a uuid", o -> o.put("id", "not-a-uuid")),
                bad("manifest id upper case", o -> o.put("id", UUID.toUpperCase())),
                bad("manifest id empty", o -> o.put("id", "")),
                bad("manifest id a number", o -> o.put("id", 7)),
                bad("availability id not a sha1", o -> o.put("k", "a").put("id", UUID)),
                bad("availability id upper case", o -> o.put("k", "a").put("id", SHA1.toUpperCase())),
                bad("key record with an id", o -> o.put("k", "k").put("id", "x")),
                bad("heartbeat with an id", o -> o.put("k", "d").put("id", UUID)),
                bad("version missing", o -> o.remove("v")),
                bad("version zero", o -> o.put("v", 0)),
                bad("version negative", o -> o.put("v", -5)),
                bad("version fractional", o -> o.put("v", 1.5)),
                bad("version a string", o -> o.put("v", "12")),
                bad("version beyond long", o -> o.put("v", new java.math.BigInteger("99999999999999999999"))),
                bad("version boolean", o -> o.put("v", true)),
                bad("time missing", o -> o.remove("t")),
                bad("time fractional", o -> o.put("t", 2.5)),
                bad("time a string", o -> o.put("t", "1700000000000")),
                bad("time beyond long", o -> o.put("t", new java.math.BigInteger("99999999999999999999"))),
                bad("payload missing", o -> o.remove("p")),
                bad("payload not base64", o -> o.put("p", "!!not base64!!")),
                bad("payload a number", o -> o.put("p", 3)),
                bad("payload too large", o -> o.put("p", b64(SignedRecord.MAX_PAYLOAD + 1))),
                bad("signature missing (unsigned)", o -> o.remove("s")),
                bad("signature null", o -> o.putNull("s")),
                bad("signature not base64", o -> o.put("s", "%%%")),
                bad("signature too short", o -> o.put("s", b64(63))),
                bad("signature too long", o -> o.put("s", b64(65))),
                bad("signature empty", o -> o.put("s", "")),
                bad("signature a number", o -> o.put("s", 64)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedWireFormIsRefused(String what, byte[] bytes) {
        assertThrows(MalformedRecordException.class, () -> SignedRecord.decode(bytes), what);
    }

    @Test
    void wellFormedButForgedDecodesAndFailsVerification() throws Exception {
        ObjectNode o = wire();
        o.put("s", b64(64));
        SignedRecord r = SignedRecord.decode(Json.bytes(o));
        assertFalse(r.verify(KEY.getPublic()));
        assertFalse(manifest().verify(Ed25519.generate().getPublic()), "another DC's key does not verify");
        assertFalse(manifest().verify(null));
    }

    static SignedRecord with(SignedRecord r, RecordKind kind, String dc, String id, long v, long t, byte[] p) {
        return new SignedRecord(kind, dc, id, v, t, p, r.signature());
    }

    @Test
    void theSignatureCoversEveryByteOfEveryField() {
        SignedRecord r = manifest();
        assertTrue(r.verify(KEY.getPublic()));
        for (RecordKind k : RecordKind.values()) {
            if (k != r.kind()) {
                assertFalse(with(r, k, r.dc(), r.id(), r.version(), r.publishedAtMillis(), r.payload()).verify(KEY.getPublic()),
                        "kind " + k);
            }
        }
        for (int i = 0; i < r.dc().length(); i++) {
            String dc = replaceAt(r.dc(), i);
            assertFalse(with(r, r.kind(), dc, r.id(), r.version(), r.publishedAtMillis(), r.payload()).verify(KEY.getPublic()),
                    "dc " + dc);
        }
        for (int i = 0; i < r.id().length(); i++) {
            String id = replaceAt(r.id(), i);
            assertFalse(with(r, r.kind(), r.dc(), id, r.version(), r.publishedAtMillis(), r.payload()).verify(KEY.getPublic()),
                    "id " + id);
        }
        for (int bit = 0; bit < 64; bit++) {
            long v = r.version() ^ (1L << bit);
            long t = r.publishedAtMillis() ^ (1L << bit);
            assertFalse(with(r, r.kind(), r.dc(), r.id(), v, r.publishedAtMillis(), r.payload()).verify(KEY.getPublic()),
                    "version bit " + bit);
            assertFalse(with(r, r.kind(), r.dc(), r.id(), r.version(), t, r.payload()).verify(KEY.getPublic()),
                    "time bit " + bit);
        }
        byte[] p = r.payload();
        for (int i = 0; i < p.length; i++) {
            byte[] q = p.clone();
            q[i] ^= 1;
            assertFalse(with(r, r.kind(), r.dc(), r.id(), r.version(), r.publishedAtMillis(), q).verify(KEY.getPublic()),
                    "payload byte " + i);
        }
        assertFalse(with(r, r.kind(), r.dc(), r.id(), r.version(), r.publishedAtMillis(), java.util.Arrays.copyOf(p, p.length + 1))
                .verify(KEY.getPublic()), "payload extended");
        assertFalse(with(r, r.kind(), r.dc(), r.id(), r.version(), r.publishedAtMillis(), java.util.Arrays.copyOf(p, p.length - 1))
                .verify(KEY.getPublic()), "payload truncated");
        byte[] sig = r.signature();
        for (int i = 0; i < sig.length; i++) {
            byte[] s = sig.clone();
            s[i] ^= 1;
            assertFalse(new SignedRecord(r.kind(), r.dc(), r.id(), r.version(), r.publishedAtMillis(), r.payload(), s)
                    .verify(KEY.getPublic()), "signature byte " + i);
        }
    }

    @Test
    void fieldBoundariesCannotBeShiftedBetweenFields() {
        byte[] p = "{}".getBytes(StandardCharsets.UTF_8);
        SignedRecord r = SignedRecord.sign(RecordKind.DC, "ab", "", 5, 6, p, KEY.getPrivate());
        assertFalse(new SignedRecord(RecordKind.DC, "a", "b", 5, 6, p, r.signature()).verify(KEY.getPublic()));
        SignedRecord m = SignedRecord.sign(RecordKind.MANIFEST, "a", "x", 5, 6, "yz".getBytes(StandardCharsets.UTF_8), KEY.getPrivate());
        assertFalse(new SignedRecord(RecordKind.MANIFEST, "a", "xy", 5, 6, "z".getBytes(StandardCharsets.UTF_8), m.signature())
                .verify(KEY.getPublic()));
    }

    @Test
    void aFieldChangedOnTheWireBreaksVerification() throws Exception {
        String[][] changes = {{"dc", "us-east-2"}, {"id", "5b3a4a4e-7c36-4c1e-9d6d-0c6b1f0f5a12"}, {"k", "a"}};
        for (String[] c : changes) {
            ObjectNode o = wire();
            o.put(c[0], c[1]);
            if (c[0].equals("k")) {
                o.put("id", SHA1);
            }
            assertFalse(SignedRecord.decode(Json.bytes(o)).verify(KEY.getPublic()), c[0]);
        }
        ObjectNode o = wire();
        o.put("v", o.get("v").asLong() + 1);
        assertFalse(SignedRecord.decode(Json.bytes(o)).verify(KEY.getPublic()), "version");
        o = wire();
        o.put("t", o.get("t").asLong() - 1);
        assertFalse(SignedRecord.decode(Json.bytes(o)).verify(KEY.getPublic()), "time");
        o = wire();
        o.put("p", Base64.getEncoder().encodeToString("{\"uuid\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertFalse(SignedRecord.decode(Json.bytes(o)).verify(KEY.getPublic()), "payload");
    }

    /** The string with character i replaced by another one that keeps it well-formed. */
    static String replaceAt(String s, int i) {
        char c = s.charAt(i);
        char other = c == '-' ? '-' : (c == '0' ? '1' : (Character.isDigit(c) ? '0' : (c == 'a' ? 'b' : 'a')));
        if (other == c) {
            other = 'x';
        }
        return s.substring(0, i) + other + s.substring(i + 1);
    }
}
