package io.imgfed.transfer.billing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The billing outbox keeps every event until it is acknowledged, once per id, across restarts. */
class OutboxTest {
    @TempDir
    Path dir;

    static Outbox.Event event(int i) {
        return new Outbox.Event("id-" + i, "owner-" + (i % 3),
                ("{\"event_id\":\"id-" + i + "\",\"owner\":\"o\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }

    static void append(Outbox o, int from, int count) throws Exception {
        List<Outbox.Event> events = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            events.add(event(i));
        }
        o.append(events).get(10, TimeUnit.SECONDS);
    }

    static List<Outbox.Entry> all(Outbox o) throws IOException {
        return o.pending(Integer.MAX_VALUE / 2, Set.of());
    }

    static List<String> ids(Outbox o) throws IOException {
        List<String> out = new ArrayList<>();
        for (Outbox.Entry e : all(o)) {
            String s = new String(e.payload(), StandardCharsets.UTF_8);
            out.add(s.substring(s.indexOf("id-"), s.indexOf('"', s.indexOf("id-"))));
        }
        return out;
    }

    @Test
    void appendedEventsSurviveReopenUntilAcknowledged() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            append(o, 0, 5);
            assertEquals(5, o.pendingCount());
            List<Outbox.Entry> entries = all(o);
            o.ack(entries.get(0).seq(), entries.get(0).payload().length);
            o.ack(entries.get(3).seq(), entries.get(3).payload().length);
            assertEquals(3, o.pendingCount());
            assertEquals(List.of("id-1", "id-2", "id-4"), ids(o), "an acknowledged event is never handed out again");
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(List.of("id-1", "id-2", "id-4"), ids(o));
            assertEquals(3, o.pendingCount());
            Outbox.Entry first = all(o).get(0);
            assertEquals("owner-1", first.key());
            assertArrayEquals(event(1).payload(), first.payload());
            long before = all(o).get(2).seq();
            append(o, 5, 1);
            assertTrue(all(o).get(3).seq() > before, "sequence numbers keep growing across restarts");
        }
    }

    @Test
    void anEventIdIsWrittenOnceWithItsFirstContent() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            append(o, 0, 1);
            Outbox.Event other = new Outbox.Event("id-0", "x", "{\"different\":true}".getBytes(StandardCharsets.UTF_8));
            o.append(List.of(other, event(1))).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("id-0", "id-1"), ids(o));
            assertArrayEquals(event(0).payload(), all(o).get(0).payload(), "the first content stays");
            assertEquals(2, o.pendingCount());
            // Also once acknowledged: a late duplicate is recognised and not sent again.
            Outbox.Entry e = all(o).get(0);
            o.ack(e.seq(), e.payload().length);
        }
        try (Outbox o = Outbox.open(dir)) {
            o.append(List.of(event(0))).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("id-1"), ids(o));
        }
    }

    @Test
    void aTransfersFinalEventsReplaceItsCheckpointAtomically() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            o.checkpoint("t1", "{\"bytes\":1}".getBytes(StandardCharsets.UTF_8));
            o.checkpoint("t1", "{\"bytes\":2}".getBytes(StandardCharsets.UTF_8));
            o.checkpoint("t2", "{\"bytes\":9}".getBytes(StandardCharsets.UTF_8));
            o.append(List.of(event(0)), "t1").get(10, TimeUnit.SECONDS);
            // A checkpoint that comes late must not bring a finished transfer back.
            o.checkpoint("t1", "{\"bytes\":3}".getBytes(StandardCharsets.UTF_8));
            o.append(List.of(event(1))).get(10, TimeUnit.SECONDS);
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(1, o.leftovers().size(), "only the running transfer is left");
            assertEquals("t2", o.leftovers().get(0).transferId());
            assertEquals("{\"bytes\":9}", new String(o.leftovers().get(0).state(), StandardCharsets.UTF_8));
            assertEquals(List.of("id-0", "id-1"), ids(o));
        }
    }

    @Test
    void aCheckpointIsKeptUntilTheTransferEnds() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            o.checkpoint("t1", "{\"bytes\":1}".getBytes(StandardCharsets.UTF_8));
            append(o, 0, 1);
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(List.of("t1"), o.leftovers().stream().map(Outbox.Checkpoint::transferId).toList());
            o.append(List.of(event(1)), "t1").get(10, TimeUnit.SECONDS);
        }
        try (Outbox o = Outbox.open(dir)) {
            assertTrue(o.leftovers().isEmpty());
        }
    }

    @Test
    void concurrentAppendsAreAllDurable() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int base = t * 100;
                Thread th = new Thread(() -> {
                    for (int i = 0; i < 100; i++) {
                        synchronized (fs) {
                            fs.add(o.append(List.of(event(base + i))));
                        }
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            for (CompletableFuture<Void> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(800, o.pendingCount());
        }
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(800, new HashSet<>(ids(o)).size());
        }
    }

    @Test
    void anEventTooLargeOrWithoutAnIdIsRefusedAndNothingOfItsBatchIsWritten() throws Exception {
        try (Outbox o = Outbox.open(dir)) {
            Outbox.Event huge = new Outbox.Event("big", "k", new byte[Outbox.MAX_EVENT_BYTES + 1]);
            assertTrue(o.append(List.of(event(0), huge)).isCompletedExceptionally());
            assertTrue(o.append(List.of(new Outbox.Event(null, "k", new byte[1]))).isCompletedExceptionally());
            append(o, 1, 1);
            assertEquals(List.of("id-1"), ids(o));
        }
    }

    @Test
    void anOutboxOfTheOldFileFormatIsTakenOverWithNothingLost() throws Exception {
        // Frames [len][crc32c][seq][payload]; events 1 and 2 were acknowledged (watermark 2), 3 and 4 were not.
        Path segment = dir.resolve("events-00000000000000000001.log");
        ByteBuffer b = ByteBuffer.allocate(4096);
        for (int seq = 1; seq <= 4; seq++) {
            byte[] p = ("{\"event_id\":\"old-" + seq + "\",\"owner\":\"o" + seq + "\"}").getBytes(StandardCharsets.UTF_8);
            b.putInt(p.length).putInt(crc(seq, p)).putLong(seq).put(p);
        }
        b.put(new byte[] {1, 2, 3}); // a torn frame at the end
        Files.write(segment, java.util.Arrays.copyOf(b.array(), b.position()));
        ByteBuffer w = ByteBuffer.allocate(12).putLong(2).putInt(crc(2, new byte[0]));
        Files.write(dir.resolve("acked"), w.array());
        Files.createDirectories(dir.resolve("running"));
        Files.writeString(dir.resolve("running/t9.events"), "{\"event_id\":\"left-9\",\"owner\":\"o9\"}\n");

        try (Outbox o = Outbox.open(dir)) {
            List<String> keys = all(o).stream().map(Outbox.Entry::key).toList();
            assertEquals(List.of("o3", "o4", "o9"), keys);
        }
        assertFalse(Files.exists(segment));
        assertFalse(Files.exists(dir.resolve("acked")));
        assertFalse(Files.exists(dir.resolve("running")));
        try (Outbox o = Outbox.open(dir)) {
            assertEquals(3, o.pendingCount(), "taken over once");
        }
    }

    private static int crc(long seq, byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(8).putLong(seq).array());
        c.update(payload);
        return (int) c.getValue();
    }
}
