package io.imgfed.federation.gossip;

import io.imgfed.federation.board.RecordBoard;
import io.imgfed.protocol.federation.OciTagRecord;
import io.imgfed.protocol.federation.RecordKind;

/**
 * The OCI front's tags on the board: publishes the tags pushed at this DC and hands every verified tag record of
 * another DC to the sink (on the board thread), which keeps the newest per tag.
 */
public final class OciGossip {
    /** Receives another DC's tag records. */
    @FunctionalInterface
    public interface Sink {
        void tag(String dc, long publishedAtMillis, OciTagRecord record);
    }

    private final RecordBoard board;
    private volatile Sink sink = (dc, at, r) -> { };

    public OciGossip(RecordBoard board) {
        this.board = board;
        board.on(RecordKind.OCI_TAG, (r, payload) -> sink.tag(r.dc(), r.publishedAtMillis(), OciTagRecord.fromPayload(payload)));
    }

    /** Where records go; set before {@code Federation.announce()} starts the board. */
    public void sink(Sink s) {
        this.sink = s;
    }

    public void publish(OciTagRecord r) {
        board.publish(RecordKind.OCI_TAG, r.id(), r.toPayload());
    }
}
