package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.EntryListener;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.FederationMetrics;
import io.imgfed.federation.board.RecordBoard;
import io.imgfed.federation.board.VersionClock;
import io.imgfed.federation.gossip.AvailabilityGossip;
import io.imgfed.federation.trust.PinnedKeys;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.replicator.testkit.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (found by the chaos suite's partition scenario): when a partition heals, Hazelcast fills the
 * replica of the member that merged by a bulk sync that fires no entry events, often after the board's re-read
 * at the merge. Records the other side wrote during the partition (files held, images published) were then
 * never seen by the healed DC, which answered 503 "no DC that holds the file is reachable" for good. The board
 * now reads itself again in the seconds after a membership change.
 */
class BoardSilentSyncTest {
    @TempDir
    Path dir;

    @Test
    void recordsThatReachTheReplicaWithoutAnEventAfterAResyncAreReceived() throws Exception {
        Map<String, byte[]> replica = new ConcurrentHashMap<>();
        SigningIdentity a = SigningIdentity.loadOrGenerate("a", dir.resolve("a"));
        SigningIdentity b = SigningIdentity.loadOrGenerate("b", dir.resolve("b"));
        RecordBoard board = new RecordBoard(silentMap(replica), a, PinnedKeys.load(dir.resolve("a"), a), new VersionClock(),
                new FederationMetrics(new SimpleMeterRegistry()));
        AvailabilityGossip availability = new AvailabilityGossip(board, "a");
        try {
            board.start();
            board.resync(); // what a merge after a healed partition triggers
            Await.until("the board's re-read at the merge", Duration.ofSeconds(5), () -> !replica.isEmpty());
            Thread.sleep(300);

            // The larger side's records land in this member's replica afterwards, by a sync without events.
            String sha1 = "0123456789abcdef0123456789abcdef01234567";
            put(replica, SignedRecord.sign(RecordKind.KEY, "b", "", 1, System.currentTimeMillis(),
                    b.keyRecord().toPayload(), b.privateKey()));
            put(replica, SignedRecord.sign(RecordKind.AVAILABILITY, "b", sha1, 2, System.currentTimeMillis(),
                    new AvailabilityRecord(sha1, FileState.PRESENT, 1.0, 42).toPayload(), b.privateKey()));

            Await.until("a to learn that b holds the file", Duration.ofSeconds(15),
                    () -> availability.stateAt("b", sha1) == FileState.PRESENT);
            assertEquals(42, availability.holders(sha1).get("b").size());
        } finally {
            board.close();
        }
    }

    private static void put(Map<String, byte[]> replica, SignedRecord r) {
        replica.put(r.boardKey(), r.encode());
    }

    /** A replicated map whose contents change without entry events, like a replica filled by Hazelcast's sync. */
    @SuppressWarnings("unchecked")
    private static ReplicatedMap<String, byte[]> silentMap(Map<String, byte[]> backing) {
        return (ReplicatedMap<String, byte[]>) Proxy.newProxyInstance(BoardSilentSyncTest.class.getClassLoader(),
                new Class<?>[] {ReplicatedMap.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "addEntryListener" -> {
                        if (args.length != 1 || !(args[0] instanceof EntryListener)) {
                            throw new UnsupportedOperationException(method.toString());
                        }
                        yield UUID.randomUUID();
                    }
                    case "removeEntryListener" -> true;
                    case "put" -> backing.put((String) args[0], (byte[]) args[1]);
                    case "get" -> backing.get(args[0]);
                    case "entrySet" -> backing.entrySet();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "silent replica";
                    default -> throw new UnsupportedOperationException(method.toString());
                });
    }
}
