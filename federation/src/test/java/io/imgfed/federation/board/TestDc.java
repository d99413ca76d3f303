package io.imgfed.federation.board;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.FederationMetrics;
import io.imgfed.federation.trust.PinnedKeys;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.federation.trust.TrustPolicy;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/** A DC's record board on the shared test map, with its own key, pins and meters; records what it receives. */
public final class TestDc implements AutoCloseable {
    /** A record a handler was given, and on which thread. */
    public record Received(SignedRecord record, String thread) {
    }

    public final String dc;
    public final SigningIdentity identity;
    public final TrustPolicy trust;
    public final FederationMetrics metrics;
    public final VersionClock clock;
    public final RecordBoard board;
    public final List<Received> received = new CopyOnWriteArrayList<>();
    public final List<String> unclaimed = new CopyOnWriteArrayList<>();

    private TestDc(String dc, SigningIdentity identity, TrustPolicy trust, VersionClock clock, ReplicatedMap<String, byte[]> map,
            RecordFanout fanout) {
        this.dc = dc;
        this.identity = identity;
        this.trust = trust;
        this.metrics = new FederationMetrics(new SimpleMeterRegistry());
        this.clock = clock;
        this.board = new RecordBoard(map, fanout, identity, trust, clock, metrics);
        for (RecordKind k : RecordKind.values()) {
            board.on(k, (r, payload) -> received.add(new Received(r, Thread.currentThread().getName())));
        }
        board.onUnclaimed(RecordKind.MANIFEST, unclaimed::add);
        board.onUnclaimed(RecordKind.AVAILABILITY, unclaimed::add);
    }

    /**
     * A DC whose key, pins and record version mark live in {@code stateDir} (the same dir again means the same DC
     * restarted), on the system clock.
     */
    public static TestDc create(String dc, Path stateDir, ReplicatedMap<String, byte[]> map) {
        return create(dc, stateDir, map, System::currentTimeMillis);
    }

    /** The same, with record versions drawn from {@code millis} (a DC whose clock is off). */
    public static TestDc create(String dc, Path stateDir, ReplicatedMap<String, byte[]> map, LongSupplier millis) {
        try {
            SigningIdentity id = SigningIdentity.loadOrGenerate(dc, stateDir);
            return new TestDc(dc, id, PinnedKeys.load(stateDir, id), VersionClock.persistent(stateDir, millis), map,
                    RecordFanout.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A DC whose records also travel by {@code fanout} (the fast path). */
    public static TestDc create(String dc, Path stateDir, ReplicatedMap<String, byte[]> map, RecordFanout fanout) {
        try {
            SigningIdentity id = SigningIdentity.loadOrGenerate(dc, stateDir);
            return new TestDc(dc, id, PinnedKeys.load(stateDir, id),
                    VersionClock.persistent(stateDir, System::currentTimeMillis), map, fanout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A DC with a given identity and trust policy (CA trust, say); its version mark lives in {@code stateDir}. */
    public static TestDc create(SigningIdentity identity, TrustPolicy trust, Path stateDir, ReplicatedMap<String, byte[]> map) {
        try {
            return new TestDc(identity.dc(), identity, trust, VersionClock.persistent(stateDir, System::currentTimeMillis), map,
                    RecordFanout.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public TestDc start() {
        board.start();
        return this;
    }

    public double rejected(String reason) {
        return metrics.rejectedCount(reason);
    }

    /** Records of a kind from another DC that reached the handlers, with that board key. */
    public List<SignedRecord> receivedUnder(String boardKey) {
        return received.stream().map(Received::record).filter(r -> r.boardKey().equals(boardKey)).toList();
    }

    @Override
    public void close() {
        board.close();
        clock.close();
    }
}
