package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.protocol.federation.RecordKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (found by the chaos suite's partition scenario): Hazelcast fills the replica of a member that merged
 * back after a partition by its anti-entropy sync, which fires no entry events. Records the other side wrote
 * during the partition (files it came to hold, images it published) never reached the healed DC's handlers, which
 * answered "no DC that holds the file is reachable" for good. Now every DC puts all of its records again when a
 * member joins or a partition heals (a put fires the entry event on every member that accepts it), and the board
 * is read again in the seconds after, for the puts the merged member rejected as stale until the sync.
 */
class BoardRepublishTest {
    static final Duration SHORT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    @Test
    void aRecordWrittenWhileTheOtherSideHeardNothingReachesItWhenItsDcPutsItsRecordsAgain() {
        EventedReplica replica = new EventedReplica();
        try (TestDc a = TestDc.create("a", tmp.resolve("a"), replica.map()).start();
                TestDc b = TestDc.create("b", tmp.resolve("b"), replica.map()).start()) {
            await("b to know a's key", SHORT, () -> !b.receivedUnder("k/a").isEmpty());

            replica.muted = true; // the partition: a's writes reach b's replica, later, without events
            String sha1 = "0123456789abcdef0123456789abcdef01234567";
            a.board.publish(RecordKind.AVAILABILITY, sha1, "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
            await("a's record to be on the board", SHORT, () -> replica.backing.containsKey("a/a/" + sha1));
            assertTrue(b.receivedUnder("a/a/" + sha1).isEmpty(), "b heard of a record put without an event");

            replica.muted = false;
            a.board.republish(); // what a member joining, or the merge of a healed partition, triggers
            await("b to receive a's record", SHORT, () -> b.receivedUnder("a/a/" + sha1).size() == 1);
            assertEquals(0.0, b.rejected("bad_signature") + b.rejected("malformed") + b.rejected("unknown_key"));
        }
    }

    @Test
    void aRecordThatReachesTheReplicaWithoutAnEventAfterAResyncIsReadWithinSeconds() {
        EventedReplica replica = new EventedReplica();
        try (TestDc a = TestDc.create("a", tmp.resolve("a"), replica.map()).start();
                TestDc b = TestDc.create("b", tmp.resolve("b"), replica.map()).start()) {
            await("b to know a's key", SHORT, () -> !b.receivedUnder("k/a").isEmpty());
            AtomicInteger rescans = new AtomicInteger();
            b.board.onRescan(rescans::incrementAndGet);

            replica.muted = true; // from here on, what reaches b's replica comes without events (Hazelcast's sync)
            b.board.resync(); // what a merge triggers
            await("b's re-read at the merge", SHORT, () -> rescans.get() >= 1);
            String sha1 = "0123456789abcdef0123456789abcdef01234567";
            a.board.publish(RecordKind.AVAILABILITY, sha1, "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
            await("a's record to be on the board", SHORT, () -> replica.backing.containsKey("a/a/" + sha1));

            await("b to read a's record in a later re-read", Duration.ofSeconds(10),
                    () -> b.receivedUnder("a/a/" + sha1).size() == 1);
        }
    }

    @Test
    void onARealReplicatedMapPuttingRecordsAgainFiresAnEntryEventForEachOfThem() {
        ReplicatedMap<String, byte[]> map = BoardFixture.map();
        Set<String> heard = ConcurrentHashMap.newKeySet();
        try (TestDc a = TestDc.create("a", tmp.resolve("a"), map).start()) {
            for (int i = 0; i < 3; i++) {
                a.board.publish(RecordKind.MANIFEST, UUID.randomUUID().toString(), ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            await("a's records to be on the board", SHORT, () -> a.board.publishedKeys().stream().allMatch(map::containsKey));
            UUID listener = map.addEntryListener(new KeyCollector(heard));
            try {
                a.board.republish();
                await("an event for every record of a", SHORT, () -> heard.containsAll(a.board.publishedKeys()));
            } finally {
                map.removeEntryListener(listener);
            }
        } finally {
            map.clear();
        }
    }

    /** Collects the keys of added and updated entries. */
    private record KeyCollector(Set<String> keys) implements EntryListener<String, byte[]> {
        @Override
        public void entryAdded(EntryEvent<String, byte[]> e) {
            keys.add(e.getKey());
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> e) {
            keys.add(e.getKey());
        }

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> e) {
        }

        @Override
        public void entryEvicted(EntryEvent<String, byte[]> e) {
        }

        @Override
        public void entryExpired(EntryEvent<String, byte[]> e) {
        }

        @Override
        public void mapCleared(MapEvent e) {
        }

        @Override
        public void mapEvicted(MapEvent e) {
        }
    }
}
