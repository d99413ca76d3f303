package io.imgfed.transfer.billing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statements of one outbox commit, run inside the caller's transaction: insert events (an id already stored is
 * skipped: first content wins), drop the checkpoints of transfers whose final events these are, save the newest
 * checkpoints of the others, mark acknowledged events, and forget acknowledged events older than the retention.
 */
final class OutboxTransaction {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxTransaction.class);

    /** One append: its events, and the transfer whose checkpoint they replace (or null). */
    record Append(List<Outbox.Event> events, String finishedTransfer) {
    }

    /** What the commit added: events newly stored and their bytes. */
    record Inserted(int events, long bytes) {
    }

    private OutboxTransaction() {
    }

    static Inserted run(Connection conn, long now, List<Append> appends, Map<String, byte[]> saves, List<Long> acks,
            long pruneBefore) throws SQLException {
        int inserted = 0;
        long insertedBytes = 0;
        try (PreparedStatement ins = conn.prepareStatement("INSERT INTO events(event_id, kafka_key, payload, "
                + "appended_at) VALUES(?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING");
                PreparedStatement drop = conn.prepareStatement("DELETE FROM running_transfers WHERE transfer_id = ?");
                PreparedStatement save = conn.prepareStatement("INSERT INTO running_transfers(transfer_id, state, "
                        + "updated_at) VALUES(?, ?, ?) ON CONFLICT(transfer_id) DO UPDATE SET state = excluded.state, "
                        + "updated_at = excluded.updated_at");
                PreparedStatement ack = conn.prepareStatement("UPDATE events SET acked_at = ? WHERE seq = ?")) {
            Set<String> finished = new HashSet<>();
            for (Append a : appends) {
                for (Outbox.Event e : a.events()) {
                    ins.setString(1, e.id());
                    ins.setString(2, e.key());
                    ins.setBytes(3, e.payload());
                    ins.setLong(4, now);
                    if (ins.executeUpdate() == 1) {
                        inserted++;
                        insertedBytes += e.payload().length;
                    } else {
                        LOG.debug("billing event {} is already in the outbox; kept as first written", e.id());
                    }
                }
                if (a.finishedTransfer() != null) {
                    finished.add(a.finishedTransfer());
                    drop.setString(1, a.finishedTransfer());
                    drop.executeUpdate();
                }
            }
            for (Map.Entry<String, byte[]> s : saves.entrySet()) {
                if (finished.contains(s.getKey())) {
                    continue; // a late checkpoint of a transfer that just ended must not bring it back
                }
                save.setString(1, s.getKey());
                save.setBytes(2, s.getValue());
                save.setLong(3, now);
                save.executeUpdate();
            }
            for (long seq : acks) {
                ack.setLong(1, now);
                ack.setLong(2, seq);
                ack.executeUpdate();
            }
        }
        if (pruneBefore > 0) {
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM events WHERE acked_at IS NOT NULL AND acked_at < ?")) {
                ps.setLong(1, pruneBefore);
                int n = ps.executeUpdate();
                if (n > 0) {
                    LOG.info("billing outbox: forgot {} event(s) acknowledged long ago", n);
                }
            }
        }
        return new Inserted(inserted, insertedBytes);
    }
}
