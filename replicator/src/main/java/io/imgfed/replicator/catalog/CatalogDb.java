package io.imgfed.replicator.catalog;

import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable copy of the catalog: SQLite in WAL mode with {@code synchronous=FULL}, so every committed
 * write is on disk before it is acknowledged and survives kill -9. Used from one thread only.
 */
final class CatalogDb implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogDb.class);

    private final Connection conn;
    private final PreparedStatement upsert;
    private final PreparedStatement delete;
    private final PreparedStatement addTombstone;
    private final PreparedStatement dropTombstone;

    /** A deletion of an image homed here, remembered so it can be announced again after a federation restart. */
    record Tombstone(String uuid, long deletedAtMillis) {
    }

    private CatalogDb(Connection conn) throws SQLException {
        this.conn = conn;
        this.upsert = conn.prepareStatement(
                "INSERT INTO images(uuid, home_dc, body, updated_at) VALUES(?, ?, ?, ?) "
                        + "ON CONFLICT(uuid) DO UPDATE SET home_dc = excluded.home_dc, body = excluded.body, "
                        + "updated_at = excluded.updated_at");
        this.delete = conn.prepareStatement("DELETE FROM images WHERE uuid = ?");
        this.addTombstone = conn.prepareStatement(
                "INSERT OR REPLACE INTO tombstones(uuid, deleted_at) VALUES(?, ?)");
        this.dropTombstone = conn.prepareStatement("DELETE FROM tombstones WHERE uuid = ?");
    }

    static CatalogDb open(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS images ("
                    + "uuid TEXT PRIMARY KEY, home_dc TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS tombstones (uuid TEXT PRIMARY KEY, deleted_at INTEGER NOT NULL)");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new CatalogDb(c);
    }

    /** Every stored image; a row that cannot be read is logged and skipped rather than stopping the daemon. */
    List<Manifest> loadAll() throws SQLException {
        List<Manifest> out = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT uuid, body FROM images")) {
            while (rs.next()) {
                try {
                    out.add(Manifest.fromStoredJson(Json.tree(rs.getString(2).getBytes(StandardCharsets.UTF_8))));
                } catch (RuntimeException e) {
                    LOG.error("catalog row {} is unreadable and is skipped: {}", rs.getString(1), e.getMessage());
                }
            }
        }
        return out;
    }

    /** Starts a transaction; {@link #upsert} and {@link #delete} then write into it until {@link #commit}. */
    void begin() throws SQLException {
        conn.setAutoCommit(false);
    }

    void commit() throws SQLException {
        try {
            conn.commit();
        } finally {
            conn.setAutoCommit(true);
        }
    }

    void rollback() {
        try {
            conn.rollback();
            conn.setAutoCommit(true);
        } catch (SQLException e) {
            LOG.warn("rolling back a catalog transaction: {}", e.getMessage());
        }
    }

    /** Within a transaction ({@link #begin}). */
    void upsert(Manifest m) throws SQLException {
        upsert.setString(1, m.uuid());
        upsert.setString(2, m.homeDc());
        upsert.setString(3, new String(Json.bytes(m.toStoredJson()), StandardCharsets.UTF_8));
        upsert.setLong(4, System.currentTimeMillis());
        upsert.executeUpdate();
        dropTombstone.setString(1, m.uuid());
        dropTombstone.executeUpdate();
    }

    /**
     * Deletes an image within a transaction ({@link #begin}); with {@code tombstone} (images homed here) its
     * deletion is remembered in the same transaction.
     */
    void delete(String uuid, boolean tombstone, long nowMillis) throws SQLException {
        delete.setString(1, uuid);
        delete.executeUpdate();
        if (tombstone) {
            addTombstone.setString(1, uuid);
            addTombstone.setLong(2, nowMillis);
            addTombstone.executeUpdate();
        }
    }

    /** Deletions of images homed here since a time, oldest first. */
    List<Tombstone> tombstonesSince(long sinceMillis) throws SQLException {
        List<Tombstone> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT uuid, deleted_at FROM tombstones WHERE deleted_at >= ? ORDER BY deleted_at")) {
            ps.setLong(1, sinceMillis);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Tombstone(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return out;
    }

    void ping() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM images")) {
            rs.next();
        }
    }

    @Override
    public void close() throws SQLException {
        upsert.close();
        delete.close();
        addTombstone.close();
        dropTombstone.close();
        conn.close();
    }
}
