package io.imgfed.federation.liveness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.federation.DcRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Liveness judged by receive time on an injected monotonic clock: no real waiting. */
class DcDirectoryTest {
    static final Duration SUSPECT = Duration.ofSeconds(3);
    static final Duration GONE = Duration.ofSeconds(8);
    static final long MS = 1_000_000L;

    final List<String> changes = new CopyOnWriteArrayList<>();

    DcDirectory directory(AtomicLong nanos) {
        DcDirectory d = new DcDirectory("self", SUSPECT, GONE, nanos::get,
                () -> new DcRecord("self", "127.0.0.1:1", "1.0", 1, 2, 3, 4));
        d.addListener((dc, from, to) -> changes.add(dc + ":" + from.wireName() + "->" + to.wireName()));
        return d;
    }

    static DcRecord beat(String dc) {
        return new DcRecord(dc, dc + ".example:8443", "1.2.3", 1000, 5, 500, 2);
    }

    @ParameterizedTest(name = "nanoTime origin {0}")
    @ValueSource(longs = {0L, 1_000_000_000_000_000L, -1_000_000_000_000_000L})
    void aliveThenSuspectThenGoneThenAliveAgainAtTheConfiguredTimes(long origin) {
        AtomicLong now = new AtomicLong(origin);
        DcDirectory d = directory(now);
        assertEquals(DcStatus.GONE, d.status("b"), "never heard of");
        d.heard(beat("b"), System.currentTimeMillis());
        assertEquals(DcStatus.ALIVE, d.status("b"));
        assertEquals(List.of("b:gone->alive"), changes);

        now.set(origin + SUSPECT.toNanos() - 1);
        d.evaluateAll();
        assertEquals(DcStatus.ALIVE, d.status("b"));
        now.set(origin + SUSPECT.toNanos());
        d.evaluateAll();
        assertEquals(DcStatus.SUSPECT, d.status("b"));
        d.evaluateAll();
        now.set(origin + GONE.toNanos() - 1);
        d.evaluateAll();
        assertEquals(DcStatus.SUSPECT, d.status("b"));
        now.set(origin + GONE.toNanos());
        d.evaluateAll();
        assertEquals(DcStatus.GONE, d.status("b"));
        assertEquals(List.of("b:gone->alive", "b:alive->suspect", "b:suspect->gone"), changes, "each change told once");

        now.addAndGet(Duration.ofMinutes(5).toNanos());
        d.heard(beat("b"), System.currentTimeMillis());
        assertEquals(DcStatus.ALIVE, d.status("b"));
        assertEquals("b:gone->alive", changes.get(changes.size() - 1));
        assertEquals(4, changes.size());
    }

    @ParameterizedTest(name = "nanoTime origin {0}")
    @ValueSource(longs = {0L, 1_000_000_000_000_000L, -1_000_000_000_000_000L})
    void aHeartbeatFoundLongAfterItWasSentDoesNotReviveItsDc(long origin) {
        AtomicLong now = new AtomicLong(origin);
        DcDirectory d = directory(now);
        long sent = System.currentTimeMillis() - Duration.ofMinutes(2).toMillis();
        d.heard(beat("dead"), sent);
        assertEquals(DcStatus.GONE, d.status("dead"), "a dead DC's last words found on the board at start");
        d.evaluateAll();
        assertEquals(DcStatus.GONE, d.status("dead"));
        assertTrue(changes.isEmpty(), changes.toString());
        // last_seen tells when it was really heard (by its own clock, for want of a better one)
        long lastSeen = d.dcs().get(1).lastSeenMillis();
        assertTrue(Math.abs(lastSeen - sent) < 1000, "last seen " + lastSeen + " vs sent " + sent);
        // A fresh heartbeat brings it back.
        d.heard(beat("dead"), System.currentTimeMillis());
        assertEquals(DcStatus.ALIVE, d.status("dead"));
    }

    @Test
    void anOldHeartbeatArrivingLateDoesNotMoveLastHeardBack() {
        AtomicLong now = new AtomicLong(0);
        DcDirectory d = directory(now);
        now.set(Duration.ofSeconds(100).toNanos());
        d.heard(beat("b"), System.currentTimeMillis());
        d.heard(beat("b"), System.currentTimeMillis() - Duration.ofMinutes(1).toMillis());
        assertEquals(DcStatus.ALIVE, d.status("b"));
        // A heartbeat stamped in the future (clock skew) counts as heard now, not later.
        now.addAndGet(SUSPECT.toNanos());
        d.heard(beat("c"), System.currentTimeMillis() + Duration.ofHours(1).toMillis());
        now.addAndGet(GONE.toNanos());
        assertEquals(DcStatus.GONE, d.status("c"));
    }

    @Test
    void selfIsAlwaysAliveAndListedFirstOthersByName() {
        AtomicLong now = new AtomicLong(0);
        DcDirectory d = directory(now);
        d.heard(beat("self"), System.currentTimeMillis());
        d.heard(beat("zz"), System.currentTimeMillis());
        d.heard(beat("b"), System.currentTimeMillis());
        now.set(SUSPECT.toNanos() + MS);
        d.heard(beat("m"), System.currentTimeMillis());
        assertEquals(DcStatus.ALIVE, d.status("self"));
        List<DcView> views = d.dcs();
        assertEquals(List.of("self", "b", "m", "zz"), views.stream().map(DcView::dc).toList());
        DcView self = views.get(0);
        assertTrue(self.self());
        assertEquals("127.0.0.1:1", self.peer());
        assertEquals(2, self.filesHeld());
        DcView b = views.get(1);
        assertEquals(DcStatus.SUSPECT, b.status());
        assertEquals("b.example:8443", b.peer());
        assertEquals("1.2.3", b.version());
        assertEquals(5, b.filesHeld());
        assertEquals(500, b.bytesHeld());
        assertEquals(2, b.imagesHomed());
        assertEquals(DcStatus.ALIVE, views.get(2).status());
        // self and m alive; b and zz suspect
        assertEquals(2, d.aliveCount());
        assertEquals("b.example:8443", d.peerAddress("b"));
        assertEquals("127.0.0.1:1", d.peerAddress("self"));
        assertNull(d.peerAddress("nobody"));
    }
}
