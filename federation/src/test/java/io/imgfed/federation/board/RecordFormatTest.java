package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which wire form a DC writes its records in: the compact one (format 2) once every DC on the board announced
 * that it reads it, and JSON (format 1, what every imgfed reads) while a DC that does not is there, so a
 * federation in the middle of an upgrade never puts a record on the board that one of its DCs cannot read.
 */
class RecordFormatTest {
    static final Duration SHORT = Duration.ofSeconds(10);
    static final byte COMPACT = (byte) 0xB2;

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
        return d.start();
    }

    static byte[] payload(int n) {
        return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** A DC of an older imgfed: announces its key without saying it reads format 2. */
    void oldDcAnnounces(String name) {
        KeyPair key = Ed25519.generate();
        long now = System.currentTimeMillis();
        map.put("k/" + name, SignedRecord.sign(RecordKind.KEY, name, "", now * 1000, now,
                new KeyRecord(name, key.getPublic().getEncoded(), null).toPayload(), key.getPrivate()).encode());
    }

    static boolean compact(byte[] value) {
        return value != null && value[0] == COMPACT;
    }

    static boolean json(byte[] value) {
        return value != null && value[0] == '{';
    }

    @Test
    void everyDcReadingTheCompactFormGetsIt() {
        TestDc a = dc("a");
        TestDc b = dc("b");
        String id = UUID.randomUUID().toString();
        a.board.publish(RecordKind.MANIFEST, id, payload(1));
        await("a's record is put in the compact form", SHORT, () -> compact(map.get("m/a/" + id)));
        await("and b reads it", SHORT, () -> !b.receivedUnder("m/a/" + id).isEmpty());
        a.board.publish(RecordKind.MANIFEST, id, payload(2));
        await("b reads the next one too", SHORT, () -> b.receivedUnder("m/a/" + id).size() == 2);
        assertEquals(0.0, b.rejected("malformed"));
    }

    @Test
    void aDcThatReadsOnlyJsonKeepsEveryoneOnJson() {
        oldDcAnnounces("old");
        TestDc a = dc("a");
        TestDc b = dc("b");
        String id = UUID.randomUUID().toString();
        await("a knows the old DC", SHORT, () -> a.trust.keyFor("old") != null);
        a.board.publish(RecordKind.MANIFEST, id, payload(1));
        await("b reads a's record", SHORT, () -> !b.receivedUnder("m/a/" + id).isEmpty());
        assertEquals(true, json(map.get("m/a/" + id)), "a wrote a record the old DC cannot read");
        assertEquals(true, json(map.get("k/b")), "b wrote a record the old DC cannot read");
    }

    @Test
    void aDcThatReadsOnlyJsonJoiningLaterTurnsEveryoneBackToJson() {
        TestDc a = dc("a");
        dc("b");
        String id = UUID.randomUUID().toString();
        a.board.publish(RecordKind.MANIFEST, id, payload(1));
        await("compact while every DC reads it", SHORT, () -> compact(map.get("m/a/" + id)));
        oldDcAnnounces("old");
        await("a puts its records again as JSON", SHORT, () -> json(map.get("m/a/" + id)) && json(map.get("k/a")));
        await("so does b", SHORT, () -> json(map.get("k/b")));
    }
}
