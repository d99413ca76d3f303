package io.imgfed.transfer.billing;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over an outbox of the file format before SQLite, so that an upgrade loses no event still waiting for
 * Kafka: segments {@code events-<seq>.log} of frames {@code [len][crc32c][seq][payload]} with the acknowledged
 * watermark in {@code acked}, and the checkpoints of interrupted transfers in {@code running/*.events} (billed as
 * they stand). Every readable unacknowledged event is inserted by its id in one transaction, and only then are
 * the old files deleted; a crash in between imports them again, and the ids dedupe.
 */
final class LegacyOutbox {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyOutbox.class);
    private static final int HEADER = 4 + 4 + 8;
    private static final int MAX_FRAME = 1 << 20;

    private LegacyOutbox() {
    }

    static void importInto(Path dir, Connection conn) throws SQLException, IOException {
        List<Path> segments = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "events-*.log")) {
            ds.forEach(segments::add);
        }
        Path running = dir.resolve("running");
        List<Path> checkpoints = new ArrayList<>();
        if (Files.isDirectory(running)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(running)) {
                ds.forEach(checkpoints::add);
            }
        }
        if (segments.isEmpty() && checkpoints.isEmpty()) {
            return;
        }
        segments.sort(null);
        long watermark = watermark(dir.resolve("acked"));
        List<byte[]> events = new ArrayList<>();
        for (Path s : segments) {
            frames(s, watermark, events);
        }
        for (Path c : checkpoints) {
            if (c.getFileName().toString().endsWith(".events")) {
                for (String line : Files.readAllLines(c, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        events.add(line.getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        int imported = 0;
        conn.setAutoCommit(false);
        try (PreparedStatement ins = conn.prepareStatement("INSERT INTO events(event_id, kafka_key, payload, appended_at) "
                + "VALUES(?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING")) {
            for (byte[] e : events) {
                JsonNode o;
                try {
                    o = Json.tree(e);
                } catch (IllegalArgumentException bad) {
                    LOG.error("billing outbox: an old event is not JSON and cannot be sent: {}",
                            new String(e, StandardCharsets.UTF_8));
                    continue;
                }
                String id = o.path("event_id").asText(null);
                if (id == null) {
                    LOG.error("billing outbox: an old event has no event_id and cannot be sent: {}", o);
                    continue;
                }
                ins.setString(1, id);
                ins.setString(2, o.path("owner").asText(""));
                ins.setBytes(3, e);
                ins.setLong(4, System.currentTimeMillis());
                imported += ins.executeUpdate();
            }
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
        for (Path p : segments) {
            Files.deleteIfExists(p);
        }
        for (Path p : checkpoints) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(running);
        Files.deleteIfExists(dir.resolve("acked"));
        Files.deleteIfExists(dir.resolve("acked.tmp"));
        LOG.info("billing outbox: took over {} unacknowledged event(s) from the old outbox format in {}", imported, dir);
    }

    /** Frames of one segment after the watermark, up to the first damaged one (the old format's own rule). */
    private static void frames(Path segment, long watermark, List<byte[]> out) throws IOException {
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = 0;
            while (pos + HEADER <= size) {
                ByteBuffer head = ByteBuffer.allocate(HEADER);
                ch.read(head, pos);
                head.flip();
                int len = head.getInt();
                int crc = head.getInt();
                long seq = head.getLong();
                if (len < 0 || len > MAX_FRAME || pos + HEADER + len > size) {
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                while (payload.hasRemaining() && ch.read(payload, pos + HEADER + payload.position()) >= 0) {
                    // read fully
                }
                if (crc(seq, payload.array()) != crc) {
                    LOG.error("billing outbox: old segment {} is damaged at byte {}; later frames are not taken over",
                            segment, pos);
                    break;
                }
                if (seq > watermark) {
                    out.add(payload.array());
                }
                pos += HEADER + len;
            }
        }
    }

    private static long watermark(Path acked) throws IOException {
        if (!Files.exists(acked)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(acked);
        if (b.length != 12) {
            return 0;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        long w = bb.getLong();
        return bb.getInt() == crc(w, new byte[0]) ? w : 0;
    }

    private static int crc(long seq, byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(8).putLong(seq).array());
        c.update(payload);
        return (int) c.getValue();
    }
}
