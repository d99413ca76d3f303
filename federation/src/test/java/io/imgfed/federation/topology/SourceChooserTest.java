package io.imgfed.federation.topology;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.FederationSettings;
import io.imgfed.federation.board.BoardFixture;
import io.imgfed.federation.board.TestDc;
import io.imgfed.federation.gossip.AvailabilityGossip;
import io.imgfed.federation.liveness.DcDirectory;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.federation.RecordKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Source order: configured cost, then alive before suspect, then measured throughput (then name); gone DCs,
 * excluded DCs, DCs only pulling the file, DCs without a known peer address and this DC itself are left out.
 */
class SourceChooserTest {
    static final String SHA1 = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;
    final ReplicatedMap<String, byte[]> map = BoardFixture.map();
    final List<TestDc> dcs = new ArrayList<>();

    @AfterEach
    void clear() {
        dcs.forEach(TestDc::close);
        map.clear();
    }

    @Test
    void ordersByCostThenHealthThenThroughputAndLeavesOutWhatCannotServe() {
        TestDc self = TestDc.create("self", tmp.resolve("self"), map);
        dcs.add(self);
        AvailabilityGossip gossip = new AvailabilityGossip(self.board, "self");
        self.start();
        gossip.present(SHA1, 1000);

        List<String> holders = List.of("w", "x", "y", "z", "g", "p", "e", "n");
        for (String h : holders) {
            TestDc d = TestDc.create(h, tmp.resolve(h), map).start();
            dcs.add(d);
            FileState state = h.equals("p") ? FileState.PULLING : FileState.PRESENT;
            d.board.publish(RecordKind.AVAILABILITY, SHA1, new AvailabilityRecord(SHA1, state, state == FileState.PULLING ? 0.5 : 1, 1000).toPayload());
        }
        await("self learns every holder", Duration.ofSeconds(5), () -> gossip.holders(SHA1).size() == holders.size() + 1);

        AtomicLong now = new AtomicLong(0);
        Duration suspect = Duration.ofSeconds(1);
        Duration gone = Duration.ofSeconds(3);
        DcDirectory dir = new DcDirectory("self", suspect, gone, now::get,
                () -> new DcRecord("self", "127.0.0.1:1", "v", 0, 0, 0, 0));
        // g last heard at 0 s (gone at 3.5 s); w and z at 2 s (suspect); x, y, p, e at 3.5 s (alive); n never.
        dir.heard(beat("g"), System.currentTimeMillis());
        now.set(Duration.ofMillis(2000).toNanos());
        dir.heard(beat("w"), System.currentTimeMillis());
        dir.heard(beat("z"), System.currentTimeMillis());
        now.set(Duration.ofMillis(3500).toNanos());
        for (String h : List.of("x", "y", "p", "e")) {
            dir.heard(beat(h), System.currentTimeMillis());
        }
        assertEquals(DcStatus.GONE, dir.status("g"));
        assertEquals(DcStatus.SUSPECT, dir.status("w"));
        assertEquals(DcStatus.ALIVE, dir.status("x"));

        FederationSettings settings = new FederationSettings("self", "c", "127.0.0.1", 1, null, List.of(),
                Map.of("w", 0.5, "g", 0.1, "p", 0.1, "e", 0.1, "n", 0.1), List.of(), Duration.ofMillis(200), suspect, gone, tmp,
                null, null);
        ThroughputEstimates throughput = new ThroughputEstimates();
        throughput.record("x", 10_000_000, 1_000_000_000L);
        throughput.record("y", 50_000_000, 1_000_000_000L);
        SourceChooser chooser = new SourceChooser(settings, dir, gossip, throughput);

        List<SourceChooser.Candidate> c = chooser.candidates(SHA1, Set.of("e"));
        // w: cheapest though suspect; y before x: both cost 1 and alive, y faster; z: cost 1 but suspect
        // (and unmeasured, assumed faster than both) comes after the alive ones.
        assertEquals(List.of("w", "y", "x", "z"), c.stream().map(SourceChooser.Candidate::dc).toList());
        SourceChooser.Candidate w = c.get(0);
        assertEquals(0.5, w.cost());
        assertEquals(DcStatus.SUSPECT, w.status());
        assertEquals("w.example:8443", w.peer());
        SourceChooser.Candidate y = c.get(1);
        assertTrue(y.measured());
        assertEquals(50e6, y.bytesPerSecond(), 1);
        assertFalse(c.get(3).measured());

        List<String> all = chooser.candidates(SHA1, Set.of()).stream().map(SourceChooser.Candidate::dc).toList();
        assertEquals(List.of("e", "w", "y", "x", "z"), all, "e leads when not excluded; g gone, p pulling, n unknown, self out");

        // Equal in every respect: by name, the same order in every DC.
        throughput.record("z", 50_000_000, 1_000_000_000L);
        now.set(Duration.ofMillis(3600).toNanos());
        dir.heard(beat("z"), System.currentTimeMillis());
        throughput.record("x", 50_000_000, 1_000_000_000L);
        List<String> ties = chooser.candidates(SHA1, Set.of("e", "w")).stream().map(SourceChooser.Candidate::dc).toList();
        assertEquals(List.of("y", "z", "x"), ties, "y and z tie on everything: by name; x's average is still lower");

        // A holder that withdraws its file is no longer offered.
        TestDc yDc = dcs.stream().filter(d -> d.dc.equals("y")).findFirst().orElseThrow();
        yDc.board.publish(RecordKind.AVAILABILITY, SHA1, new AvailabilityRecord(SHA1, FileState.ABSENT, 0, 0).toPayload());
        await("self learns y dropped the file", Duration.ofSeconds(5), () -> !gossip.holders(SHA1).containsKey("y"));
        assertEquals(List.of("w", "z", "x"), chooser.candidates(SHA1, Set.of("e")).stream().map(SourceChooser.Candidate::dc).toList());
    }

    static DcRecord beat(String dc) {
        return new DcRecord(dc, dc + ".example:8443", "v", 0, 0, 0, 0);
    }
}
