package io.imgfed.federation.board;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The compact table of accepted versions answers exactly as a map of board keys to versions would. */
class AcceptedVersionsTest {

    private static SignedRecord record(RecordKind kind, String dc, String id, long version) {
        return new SignedRecord(kind, dc, id, version, 1, new byte[0], new byte[64]);
    }

    @Test
    void answersLikeAMapOfBoardKeys() {
        AcceptedVersions accepted = new AcceptedVersions();
        Map<String, Long> expected = new HashMap<>();
        Random random = new Random(7);
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < 20_000; i++) {
            String dc = "dc" + random.nextInt(3);
            SignedRecord r;
            if (i % 3 == 0) {
                r = record(RecordKind.MANIFEST, dc, new UUID(random.nextLong(), random.nextLong()).toString(), 1 + i);
            } else if (i % 3 == 1) {
                byte[] sha1 = new byte[20];
                random.nextBytes(sha1);
                r = record(RecordKind.AVAILABILITY, dc, hex.formatHex(sha1), 1 + i);
            } else {
                r = record(random.nextBoolean() ? RecordKind.DC : RecordKind.KEY, dc, "", 1 + i);
            }
            assertEquals(expected.getOrDefault(r.boardKey(), 0L), accepted.get(r), r.boardKey());
            accepted.put(r);
            expected.put(r.boardKey(), r.version());
        }
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            String[] k = e.getKey().split("/", 3);
            RecordKind kind = RecordKind.fromPrefix(k[0]);
            assertEquals(e.getValue(), accepted.get(record(kind, k[1], k.length > 2 ? k[2] : "", 1)), e.getKey());
        }
    }

    @Test
    void theSameIdUnderAnotherDcOrKindIsAnotherKey() {
        AcceptedVersions accepted = new AcceptedVersions();
        String uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        accepted.put(record(RecordKind.MANIFEST, "a", uuid, 5));
        assertEquals(5, accepted.get(record(RecordKind.MANIFEST, "a", uuid, 1)));
        assertEquals(0, accepted.get(record(RecordKind.MANIFEST, "b", uuid, 1)));
        assertEquals(0, accepted.get(record(RecordKind.MANIFEST, "a", "3f2504e0-4f89-11d3-9a0c-0305e82c3302", 1)));
    }
}
