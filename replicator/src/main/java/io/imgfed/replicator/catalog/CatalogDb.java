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

    private CatalogDb(Connection conn) throws SQLException {
        this.conn = conn;
        this.upsert = conn.prepareStatement(
                "INSERT INTO images(uuid, home_dc, body, updated_at) VALUES(?, ?, ?, ?) "
                        + "ON CONFLICT(uuid) DO UPDATE SET home_dc = excluded.home_dc, body = excluded.body, "
                        + "updated_at = excluded.updated_at");
        this.delete = conn.prepareStatement("DELETE FROM images WHERE uuid = ?");
    }

    static CatalogDb open(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS images ("
                    + "uuid TEXT PRIMARY KEY, home_dc TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL)");
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

    void upsert(Manifest m) throws SQLException {
        upsert.setString(1, m.uuid());
        upsert.setString(2, m.homeDc());
        upsert.setString(3, new String(Json.bytes(m.toStoredJson()), StandardCharsets.UTF_8));
        upsert.setLong(4, System.currentTimeMillis());
        upsert.executeUpdate();
    }

    void delete(String uuid) throws SQLException {
        delete.setString(1, uuid);
        delete.executeUpdate();
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
        conn.close();
    }
}
