package io.imgfed.federation.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.federation.board.RecordBoard;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gossip of which DC holds which file: this DC publishes present, pulling (with progress) or absent for its
 * own files; the index of every DC's files answers availability questions from local state.
 */
public final class AvailabilityGossip {
    private final RecordBoard board;
    private final String self;
    /**
     * sha1 to (DC to its record), this DC's own entries included. The inner maps are immutable and replaced on
     * each change (a file changes hands rarely; most files have one holder, and an immutable one-entry map is 24
     * bytes where a concurrent map is about 200); DC names are interned.
     */
    private final Map<String, Map<String, AvailabilityRecord>> index = new ConcurrentHashMap<>();

    public AvailabilityGossip(RecordBoard board, String self) {
        this.board = board;
        this.self = self;
        board.on(RecordKind.AVAILABILITY, this::received);
        board.onUnclaimed(RecordKind.AVAILABILITY, sha1 -> {
            if (stateHere(sha1) == FileState.ABSENT) {
                // Left on the board from before a restart: the file is no longer here.
                publish(new AvailabilityRecord(sha1, FileState.ABSENT, 0, 0));
            }
        });
    }

    public void present(String sha1, long size) {
        publish(new AvailabilityRecord(sha1, FileState.PRESENT, 1.0, size));
    }

    public void pulling(String sha1, double progress, long size) {
        publish(new AvailabilityRecord(sha1, FileState.PULLING, Math.max(0, Math.min(1, progress)), size));
    }

    public void absent(String sha1) {
        publish(new AvailabilityRecord(sha1, FileState.ABSENT, 0, 0));
    }

    private void publish(AvailabilityRecord r) {
        put(self, r);
        board.publish(RecordKind.AVAILABILITY, r.sha1(), r.toPayload());
    }

    private void received(SignedRecord r, JsonNode payload) throws MalformedRecordException {
        AvailabilityRecord a = AvailabilityRecord.fromPayload(payload);
        if (!a.sha1().equals(r.id())) {
            throw new MalformedRecordException("availability record id differs from its sha1");
        }
        put(r.dc(), a);
    }

    private void put(String dc, AvailabilityRecord r) {
        String holder = dc.intern();
        if (r.state() == FileState.ABSENT) {
            index.computeIfPresent(r.sha1(), (k, m) -> {
                if (!m.containsKey(holder)) {
                    return m;
                }
                Map<String, AvailabilityRecord> next = new HashMap<>(m);
                next.remove(holder);
                return next.isEmpty() ? null : Map.copyOf(next);
            });
        } else {
            index.compute(r.sha1(), (k, m) -> {
                if (m == null) {
                    return Map.of(holder, r);
                }
                Map<String, AvailabilityRecord> next = new HashMap<>(m);
                next.put(holder, r);
                return Map.copyOf(next);
            });
        }
    }

    /** Every DC that holds or is pulling this file, with its record (an immutable snapshot). */
    public Map<String, AvailabilityRecord> holders(String sha1) {
        Map<String, AvailabilityRecord> m = index.get(sha1);
        return m == null ? Map.of() : m;
    }

    public FileState stateHere(String sha1) {
        AvailabilityRecord r = holders(sha1).get(self);
        return r == null ? FileState.ABSENT : r.state();
    }

    public FileState stateAt(String dc, String sha1) {
        AvailabilityRecord r = holders(sha1).get(dc);
        return r == null ? FileState.ABSENT : r.state();
    }
}
