package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record versions survive a clock that goes back (issue 12): the other DCs keep a record only if it is newer than
 * the one they hold, so a DC restarted with its clock behind would have its new records ignored until its clock
 * caught up. The version clock keeps a high-water mark in the state dir, reserved ahead in blocks, and a
 * restarted clock starts past it.
 */
class VersionClockRestartTest {
    static final Duration SHORT = Duration.ofSeconds(5);
    static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);

    @TempDir
    Path tmp;
    final ReplicatedMap<String, byte[]> map = BoardFixture.map();
    final List<TestDc> dcs = new ArrayList<>();

    @AfterEach
    void clear() {
        dcs.forEach(TestDc::close);
        map.clear();
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

    static SignedRecord decode(byte[] v) {
        try {
            return SignedRecord.decode(v);
        } catch (MalformedRecordException e) {
            throw new AssertionError(e);
        }
    }

    static long markOnDisk(Path stateDir) {
        try {
            return Long.parseLong(Files.readString(stateDir.resolve(VersionClock.FILE)).trim());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aDcRestartedWithItsClockAnHourBehindStillHasItsNewRecordsAccepted() {
        TestDc b = TestDc.create("b", tmp.resolve("b"), map).start();
        dcs.add(b);
        Path aState = tmp.resolve("a");
        TestDc a1 = TestDc.create("a", aState, map).start();
        String image = UUID.randomUUID().toString();
        a1.board.publish(RecordKind.MANIFEST, image, payload(1));
        await("b has a's record", SHORT, () -> b.receivedUnder("m/a/" + image).size() == 1);
        long before = b.receivedUnder("m/a/" + image).get(0).version();
        a1.close();

        // a comes back on the same state dir with its clock an hour behind; it publishes the current state of
        // the image, and that replaces its old record on the board before it even listens.
        TestDc a2 = TestDc.create("a", aState, map, () -> System.currentTimeMillis() - HOUR_MS);
        dcs.add(a2);
        a2.board.publish(RecordKind.MANIFEST, image, payload(2));
        await("a's new record is on the board", SHORT, () -> {
            byte[] v = map.get("m/a/" + image);
            return v != null && n(decode(v)) == 2;
        });
        a2.start();
        await("b takes a's record published after the restart", SHORT, () -> b.receivedUnder("m/a/" + image).size() == 2);
        SignedRecord after = b.receivedUnder("m/a/" + image).get(1);
        assertEquals(2, n(after));
        assertTrue(after.version() > before, "version " + after.version() + " after the restart, " + before + " before");

        a2.board.publish(RecordKind.MANIFEST, image, payload(3));
        await("and the next one", SHORT, () -> b.receivedUnder("m/a/" + image).size() == 3);
        assertEquals(0.0, b.rejected("bad_signature") + b.rejected("malformed") + b.rejected("unknown_key"));
    }

    @Test
    void theMarkIsReservedAheadInBlocksNotWrittenPerVersion() throws Exception {
        Path state = tmp.resolve("clock");
        AtomicLong millis = new AtomicLong(1_000_000_000L);
        long reserve = VersionClock.RESERVE_MICROS;
        try (VersionClock clock = VersionClock.persistent(state, millis::get)) {
            long start = millis.get() * 1000;
            assertEquals(start + reserve, markOnDisk(state), "a block is reserved at startup");
            long last = 0;
            for (int i = 0; i < 10_000; i++) {
                last = clock.next();
            }
            assertEquals(start + reserve, markOnDisk(state), "10,000 versions within the block write nothing");
            assertTrue(last <= markOnDisk(state));

            // Past half of the block, the next block is reserved in the background.
            millis.addAndGet(reserve / 1000 / 2 + 1);
            long v = clock.next();
            await("the next block is reserved", SHORT, () -> markOnDisk(state) >= v + reserve);

            // A forward jump past the reservation writes the mark before the version is handed out.
            millis.addAndGet(10 * reserve / 1000);
            long jumped = clock.next();
            assertTrue(markOnDisk(state) >= jumped, "the mark " + markOnDisk(state) + " covers " + jumped);
        }
        long mark = markOnDisk(state);
        // Restarted with the clock a day behind: it continues past every version it may have handed out.
        millis.set(1_000_000_000L - TimeUnit.DAYS.toMillis(1));
        try (VersionClock restarted = VersionClock.persistent(state, millis::get)) {
            assertTrue(restarted.next() > mark, "the first version after the restart is past the mark " + mark);
            assertTrue(markOnDisk(state) > mark, "and a new block is reserved");
        }
        try (Stream<Path> files = Files.list(state)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp file left");
        }
    }

    @Test
    void aCorruptMarkStopsTheStartRatherThanBeingIgnored() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("corrupt"));
        Files.writeString(state.resolve(VersionClock.FILE), "not a number\n");
        IOException e = assertThrows(IOException.class, () -> VersionClock.persistent(state, System::currentTimeMillis));
        assertTrue(e.getMessage().contains(VersionClock.FILE), e.getMessage());
    }
}
