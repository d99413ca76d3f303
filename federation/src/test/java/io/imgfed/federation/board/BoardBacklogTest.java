package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DC that receives many image records at once (it joined a large federation, or a partition healed) works
 * through them on its board thread; heartbeats and keys arriving meanwhile go ahead of them, so the other DCs do
 * not look gone for as long as the backlog lasts.
 */
class BoardBacklogTest {
    static final int RECORDS = 3000;

    @TempDir
    Path tmp;
    final ReplicatedMap<String, byte[]> map = BoardFixture.map();
    TestDc b;

    @AfterEach
    void clear() {
        if (b != null) {
            b.close();
        }
        map.clear();
    }

    @Test
    void aHeartbeatGoesAheadOfABacklogOfImageRecords() {
        b = TestDc.create("b", tmp.resolve("b"), map).start();
        KeyPair key = Ed25519.generate();
        long now = System.currentTimeMillis();
        map.put("k/c", SignedRecord.sign(RecordKind.KEY, "c", "", now * 1000, now,
                new KeyRecord("c", key.getPublic().getEncoded(), null).toPayload(), key.getPrivate()).encode());
        await("b trusts c", Duration.ofSeconds(10), () -> b.trust.keyFor("c") != null);
        Map<String, byte[]> burst = new HashMap<>();
        for (int i = 0; i < RECORDS; i++) {
            String id = UUID.randomUUID().toString();
            burst.put("m/c/" + id, SignedRecord.sign(RecordKind.MANIFEST, "c", id, now * 1000 + 1 + i, now,
                    ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), key.getPrivate()).encode());
        }
        map.putAll(burst);
        map.put("d/c", SignedRecord.sign(RecordKind.DC, "c", "", now * 1000 + RECORDS + 1, now,
                "{\"dc\":\"c\"}".getBytes(StandardCharsets.UTF_8), key.getPrivate()).encode());
        await("b handles every record", Duration.ofSeconds(120),
                () -> b.received.stream().filter(r -> r.record().kind() == RecordKind.MANIFEST).count() == RECORDS
                        && !b.receivedUnder("d/c").isEmpty());
        List<RecordKind> order = b.received.stream().map(r -> r.record().kind()).toList();
        int heartbeat = order.indexOf(RecordKind.DC);
        long before = order.subList(0, heartbeat).stream().filter(k -> k == RecordKind.MANIFEST).count();
        assertTrue(before < RECORDS, "the heartbeat waited behind all " + before + " image records put before it");
    }
}
