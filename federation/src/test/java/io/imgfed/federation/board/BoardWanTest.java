package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.federation.RecordKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The board between continents (issue 12, found with the chaos suite's WAN of 50 and 150 ms one way): a put
 * reaches the other members through its key's partition owner, two WAN hops, and one put waits for the owner's
 * answer before the next starts. Gossip converged in up to twice the one-way delay plus a queue of round trips
 * (p99 382 ms over 50 ms links, 873 ms for a file's two records over 150 ms), and a partition healed only once
 * the merged replica took the other side's puts. Now every record is also sent straight to every member, and
 * what queued since the last write goes on the map in one putAll.
 */
class BoardWanTest {
    static final Duration SHORT = Duration.ofSeconds(5);
    static final String SHA1 = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path tmp;

    @Test
    void aRecordReachesTheOtherDcsByTheFanOutWithoutWaitingForTheMap() {
        EventedReplica replica = new EventedReplica();
        LocalFanout bus = new LocalFanout();
        try (TestDc a = TestDc.create("a", tmp.resolve("a"), replica.map(), bus.member()).start();
                TestDc b = TestDc.create("b", tmp.resolve("b"), replica.map(), bus.member()).start()) {
            await("b to know a's key", SHORT, () -> !b.receivedUnder("k/a").isEmpty());
            replica.muted = true; // the map's events are late (still on their way through the partition owner)
            a.board.publish(RecordKind.AVAILABILITY, SHA1, "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
            await("b to receive a's record sent straight to it", SHORT, () -> b.receivedUnder("a/a/" + SHA1).size() == 1);

            replica.muted = false;
            a.board.publish(RecordKind.AVAILABILITY, SHA1, "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
            await("a's second record on the board", SHORT, () -> b.receivedUnder("a/a/" + SHA1).size() == 2);
            // The same record by the map's event and by the fan-out reaches the handlers once.
            await("a's writes to settle", SHORT, () -> replica.backing.containsKey("a/a/" + SHA1));
            b.board.runOnBoardThread(() -> { });
            assertEquals(2, b.receivedUnder("a/a/" + SHA1).size(), "each version once, whichever way it came first");
            assertEquals(0.0, b.rejected("bad_signature") + b.rejected("malformed") + b.rejected("unknown_key"));
        }
    }

    @Test
    void afterAHealTheRepublishedRecordsReachTheOtherSideWhereItsReplicaTakesNoPut() {
        EventedReplica replica = new EventedReplica();
        LocalFanout bus = new LocalFanout();
        try (TestDc a = TestDc.create("a", tmp.resolve("a"), replica.map(), bus.member()).start();
                TestDc b = TestDc.create("b", tmp.resolve("b"), replica.map(), bus.member()).start()) {
            await("b to know a's key", SHORT, () -> !b.receivedUnder("k/a").isEmpty());
            bus.cut = true; // the partition
            replica.muted = true; // and after the heal, b's replica takes a's puts without events (stale counters)
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = String.format("%040x", i);
                ids.add(id);
                a.board.publish(RecordKind.AVAILABILITY, id, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            await("a's records on the board", SHORT, () -> ids.stream().allMatch(id -> replica.backing.containsKey("a/a/" + id)));
            assertTrue(ids.stream().allMatch(id -> b.receivedUnder("a/a/" + id).isEmpty()), "b heard of a's records in the partition");

            bus.cut = false; // healed
            a.board.republish(); // what the merge triggers
            await("b to receive every record a wrote during the partition", SHORT,
                    () -> ids.stream().allMatch(id -> b.receivedUnder("a/a/" + id).size() == 1));
        }
    }

    @Test
    void aBurstOfPublicationsGoesOnTheMapInAFewWritesNotOneRoundTripEach() {
        EventedReplica replica = new EventedReplica();
        try (TestDc a = TestDc.create("a", tmp.resolve("a"), replica.map()).start()) {
            await("a's key on the board", SHORT, () -> replica.backing.containsKey("k/a"));
            replica.roundTripMillis = 200; // each put waits for a partition owner across an ocean
            int before = replica.writes.get();
            List<String> ids = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 30; i++) {
                String id = String.format("%040x", i);
                ids.add(id);
                a.board.publish(RecordKind.AVAILABILITY, id, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            // One put per record would take 30 round trips, 6 s.
            await("the 30 records on the board", Duration.ofSeconds(3),
                    () -> ids.stream().allMatch(id -> replica.backing.containsKey("a/a/" + id)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            int writes = replica.writes.get() - before;
            assertTrue(writes <= 5, writes + " writes for 30 records in " + seconds + " s");
        }
    }
}
