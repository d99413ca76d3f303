package io.imgfed.federation.board;

import java.util.function.Consumer;

/**
 * The board's fast path: each encoded record sent straight to every other member, one hop, next to its put on
 * the replicated map. A put travels from the publishing member to the partition owner of its key and from there
 * to each member, two hops: over links between continents, twice the delay (300 ms where the owner sits across
 * an ocean from both). Best effort: a record sent while a member is unreachable is not sent again; the map, its
 * re-reads and the re-publication after joins and merges stay the reliable path.
 */
public interface RecordFanout extends AutoCloseable {
    /** No fast path: records travel by the map only (boards on a bare map, in tests). */
    RecordFanout NONE = new RecordFanout() {
        @Override
        public void send(byte[] record) {
        }

        @Override
        public void listen(Consumer<byte[]> receiver) {
        }

        @Override
        public void close() {
        }
    };

    /** Sends one encoded record to the other members; never blocks the caller and never throws. */
    void send(byte[] record);

    /**
     * Delivers the records other members send to {@code receiver}, on a messaging thread (the receiver must hand
     * them off, not process them there). Records this member sent are not delivered back.
     */
    void listen(Consumer<byte[]> receiver);

    @Override
    void close();
}
