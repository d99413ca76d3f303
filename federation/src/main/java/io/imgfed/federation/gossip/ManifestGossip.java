package io.imgfed.federation.gossip;

import io.imgfed.federation.board.RecordBoard;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.federation.ManifestRecord;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.manifest.Manifest;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gossip of manifests: this DC publishes the manifest of every image homed here (and a tombstone when one is
 * deleted); from the others it learns theirs and hands the result to a sink (the catalog).
 *
 * <p>One uuid published live by two DCs is a conflict. It is never merged: a DC keeps its own image, and
 * every other DC shows the one whose home DC name sorts first (the same choice everywhere), while the
 * conflict is reported in the log, the metric and the availability answer.
 */
public final class ManifestGossip {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestGossip.class);

    /** Where remote manifests go: called on the board thread, in order. */
    public interface Sink {
        /** The image as the federation now knows it (homed elsewhere). */
        void upsert(Manifest m);

        /** The image homed at {@code homeDc} is gone from the federation. */
        void remove(String uuid, String homeDc);
    }

    private final RecordBoard board;
    private final String self;
    private final Sink sink;
    /**
     * Live remote manifests by uuid: the manifest itself when one DC publishes the image (nearly always; its home
     * DC is the publisher), or home DC to manifest sorted by DC name when several do. Keyed by the manifest's own
     * uuid string, which the catalog shares.
     */
    private final Map<String, Object> remote = new ConcurrentHashMap<>();
    private final Set<String> ownHome = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<String>> conflicts = new ConcurrentHashMap<>();

    public ManifestGossip(RecordBoard board, String self, Sink sink) {
        this.board = board;
        this.self = self;
        this.sink = sink;
        board.on(RecordKind.MANIFEST, this::received);
        board.onUnclaimed(RecordKind.MANIFEST, uuid -> {
            if (!ownHome.contains(uuid)) {
                // Deleted here while the board still showed it: say so.
                publishTombstone(uuid, System.currentTimeMillis());
            }
        });
    }

    /** Publishes the current manifest of an image homed here. */
    public void publish(Manifest m) {
        if (!m.homeDc().equals(self)) {
            throw new IllegalArgumentException("DC " + self + " publishes only images homed here, not " + m);
        }
        ownHome.add(m.uuid());
        board.publish(RecordKind.MANIFEST, m.uuid(), ManifestRecord.of(m).toPayload());
        board.runOnBoardThread(() -> recompute(m.uuid()));
    }

    /** Publishes that an image homed here was deleted. */
    public void publishTombstone(String uuid, long deletedAtMillis) {
        ownHome.remove(uuid);
        board.publish(RecordKind.MANIFEST, uuid, ManifestRecord.tombstone(uuid, deletedAtMillis).toPayload());
        board.runOnBoardThread(() -> recompute(uuid));
    }

    private void received(SignedRecord r, com.fasterxml.jackson.databind.JsonNode payload) throws MalformedRecordException {
        ManifestRecord mr = ManifestRecord.fromPayload(payload);
        if (!mr.uuid().equals(r.id())) {
            throw new MalformedRecordException("manifest record id differs from its uuid");
        }
        if (mr.deleted()) {
            remote.computeIfPresent(mr.uuid(), (k, v) -> {
                TreeMap<String, Manifest> homes = homes(v);
                homes.remove(r.dc());
                return compact(homes);
            });
        } else {
            Manifest m = mr.manifest();
            if (!m.homeDc().equals(r.dc())) {
                throw new MalformedRecordException("DC " + r.dc() + " published a manifest homed at " + m.homeDc());
            }
            remote.compute(m.uuid(), (k, v) -> {
                TreeMap<String, Manifest> homes = homes(v);
                homes.put(r.dc(), m);
                return compact(homes);
            });
        }
        recompute(mr.uuid());
        if (mr.deleted() && !ownHome.contains(mr.uuid()) && !remote.containsKey(mr.uuid())) {
            sink.remove(mr.uuid(), r.dc());
        }
    }

    /** A mutable copy of what {@link #remote} holds for one uuid. */
    private static TreeMap<String, Manifest> homes(Object v) {
        TreeMap<String, Manifest> homes = new TreeMap<>();
        if (v instanceof Manifest m) {
            homes.put(m.homeDc(), m);
        } else if (v != null) {
            @SuppressWarnings("unchecked")
            TreeMap<String, Manifest> several = (TreeMap<String, Manifest>) v;
            homes.putAll(several);
        }
        return homes;
    }

    private static Object compact(TreeMap<String, Manifest> homes) {
        return homes.isEmpty() ? null : homes.size() == 1 ? homes.firstEntry().getValue() : homes;
    }

    private void recompute(String uuid) {
        Object held = remote.get(uuid);
        TreeMap<String, Manifest> homes = held == null ? null : homes(held);
        int live = (homes == null ? 0 : homes.size()) + (ownHome.contains(uuid) ? 1 : 0);
        if (live > 1) {
            Set<String> dcs = new java.util.TreeSet<>(homes.keySet());
            if (ownHome.contains(uuid)) {
                dcs.add(self);
            }
            if (!dcs.equals(conflicts.put(uuid, dcs))) {
                LOG.warn("conflict: image {} is published by DCs {}; every DC shows the one from {} (its own where it has one)",
                        uuid, dcs, dcs.iterator().next());
            }
        } else if (conflicts.remove(uuid) != null) {
            LOG.info("conflict on image {} resolved", uuid);
        }
        if (!ownHome.contains(uuid) && homes != null && !homes.isEmpty()) {
            sink.upsert(homes.firstEntry().getValue());
        }
    }

    /** Images published live by more than one DC: uuid to the DCs publishing it. */
    public Map<String, Set<String>> conflicts() {
        return Map.copyOf(conflicts);
    }

    public int conflictCount() {
        return conflicts.size();
    }
}
