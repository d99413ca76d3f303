package io.imgfed.transfer.billing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The billing outbox keeps every event until it is acknowledged, across restarts and torn writes. */
class OutboxTest {
    @TempDir
    Path dir;

    private static byte[] event(int i) {
        return ("{\"n\":" + i + ",\"owner\":\"o\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static long[] append(Outbox o, int from, int count) throws Exception {
        List<byte[]> events = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            events.add(event(i));
        }
        return o.append(events).get(10, TimeUnit.SECONDS);
    }

    private static List<Outbox.Entry> all(Outbox o) throws IOException {
        return o.pending(0, Integer.MAX_VALUE, Set.of());
    }

    @Test
    void appendedEventsSurviveReopenUntilAcknowledged() throws Exception {
        long[] seqs;
        try (Outbox o = Outbox.open(dir)) {
            seqs = append(o, 0, 5);
            assertEquals(5, o.pendingCount());
            o.ack(seqs[0]);
            o.ack(seqs[1]);
        }
        try (Outbox o = Outbox.open(dir)) {
            List<Outbox.Entry> left = all(o);
            assertEquals(3, left.size());
            assertEquals(seqs[2], left.get(0).seq());
            assertArrayEquals(event(2), left.get(0).payload());
            long[] more = append(o, 5, 1);
            assertTrue(more[0] > seqs[4], "sequence numbers keep growing across restarts");
        }
    }

    @Test
    void outOfOrderAcknowledgementsAreKeptInMemoryAndNeverLoseAnEvent() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            long[] s = append(o, 0, 4);
            o.ack(s[2]);
            o.ack(s[3]);
            assertEquals(2, o.pendingCount());
            assertEquals(List.of(s[0], s[1]), all(o).stream().map(Outbox.Entry::seq).toList());
            o.ack(s[0]);
            o.ack(s[1]);
            assertEquals(0, o.pendingCount());
            assertEquals(0, o.pendingBytes());
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(0, o.pendingCount(), "the watermark was persisted once the gap closed");
        }
    }

    @Test
    void aTornLastFrameIsCutOffAndEarlierEventsSurvive() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            append(o, 0, 10);
        }
        Path segment = segments().get(0);
        long size = Files.size(segment);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(size - 7);
        }
        try (Outbox o = Outbox.open(dir)) {
            List<Outbox.Entry> left = all(o);
            assertEquals(9, left.size(), "only the torn event is lost: it was never acknowledged as appended");
            for (int i = 0; i < 9; i++) {
                assertArrayEquals(event(i), left.get(i).payload());
            }
            append(o, 100, 1);
            assertEquals(10, all(o).size(), "appending continues after the repaired end");
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(10, all(o).size());
            assertArrayEquals(event(100), all(o).get(9).payload());
        }
    }

    @Test
    void garbageAfterTheLastFrameIsCutOff() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            append(o, 0, 3);
        }
        Files.write(segments().get(0), new byte[] {0, 0, 0, 40, 1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(3, all(o).size());
        }
    }

    @Test
    void aDamagedWatermarkMeansResendingNotLosing() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            long[] s = append(o, 0, 3);
            o.ack(s[0]);
        }
        Files.write(dir.resolve("acked"), new byte[] {1, 2, 3});
        try (Outbox o = Outbox.open(dir)) {
            assertTrue(all(o).size() >= 2, "nothing unacknowledged is lost; acknowledged ones may be sent again");
        }
    }

    @Test
    void fullyAcknowledgedSegmentsAreDeleted() throws Exception {
        byte[] big = new byte[600 * 1024];
        java.util.Arrays.fill(big, (byte) 'x');
        try (Outbox o = Outbox.open(dir)) {
            List<byte[]> events = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                events.add(big);
            }
            long[] seqs = o.append(events).get(30, TimeUnit.SECONDS);
            assertTrue(segments().size() >= 2, "16 MiB segments roll over");
            for (long s : seqs) {
                o.ack(s);
            }
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(0, o.pendingCount());
            assertTrue(segments().size() <= 1, "acknowledged segments are removed: " + segments());
        }
    }

    @Test
    void concurrentAppendsAreAllDurableWithDistinctSequenceNumbers() throws Exception {
        Set<Long> seen = new HashSet<>();
        try (Outbox o = Outbox.open(dir)) {
            List<CompletableFuture<long[]>> fs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                fs.add(o.append(List.of(event(i))));
            }
            for (CompletableFuture<long[]> f : fs) {
                long s = f.get(10, TimeUnit.SECONDS)[0];
                assertTrue(seen.add(s), "sequence numbers are unique");
            }
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(200, all(o).size());
        }
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events-")).sorted().toList();
        }
    }
}
