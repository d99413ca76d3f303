package io.imgfed.replicator.oci;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable copy of the OCI front's registry: which sha256 digest is which stored blob, the manifests of each
 * repository (their exact bytes) and the tags. SQLite in WAL mode with {@code synchronous=FULL}, as the catalog:
 * a push is acknowledged only once it is on disk. Used from one thread only.
 */
final class RegistryDb implements AutoCloseable {
    private final Connection conn;
    private final PreparedStatement putBlob;
    private final PreparedStatement putManifest;
    private final PreparedStatement putTag;
    private final PreparedStatement deleteManifest;
    private final PreparedStatement deleteTagsOf;
    private final PreparedStatement deleteTag;

    record BlobRow(String digest, String sha1, long size, int pieceSize, String pieceRoot, long createdAt) {
    }

    record ManifestRow(String repo, String digest, String mediaType, byte[] body, String references, long createdAt) {
    }

    record TagRow(String repo, String tag, String digest, long updatedAt) {
    }

    private RegistryDb(Connection conn) throws SQLException {
        this.conn = conn;
        this.putBlob = conn.prepareStatement("INSERT OR REPLACE INTO blobs(digest, sha1, size, piece_size, piece_root, created_at) "
                + "VALUES(?, ?, ?, ?, ?, ?)");
        this.putManifest = conn.prepareStatement("INSERT OR REPLACE INTO manifests(repo, digest, media_type, body, "
                + "refs, created_at) VALUES(?, ?, ?, ?, ?, ?)");
        this.putTag = conn.prepareStatement("INSERT OR REPLACE INTO tags(repo, tag, digest, updated_at) VALUES(?, ?, ?, ?)");
        this.deleteManifest = conn.prepareStatement("DELETE FROM manifests WHERE repo = ? AND digest = ?");
        this.deleteTagsOf = conn.prepareStatement("DELETE FROM tags WHERE repo = ? AND digest = ?");
        this.deleteTag = conn.prepareStatement("DELETE FROM tags WHERE repo = ? AND tag = ?");
    }

    static RegistryDb open(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS blobs (digest TEXT PRIMARY KEY, sha1 TEXT NOT NULL, size INTEGER NOT NULL, "
                    + "piece_size INTEGER, piece_root TEXT, created_at INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS manifests (repo TEXT NOT NULL, digest TEXT NOT NULL, "
                    + "media_type TEXT NOT NULL, body BLOB NOT NULL, refs TEXT NOT NULL, created_at INTEGER NOT NULL, "
                    + "PRIMARY KEY(repo, digest))");
            s.execute("CREATE TABLE IF NOT EXISTS tags (repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, "
                    + "updated_at INTEGER NOT NULL, PRIMARY KEY(repo, tag))");
            // Blobs fetched from an upstream registry: a cache, evictable; the others were pushed here.
            s.execute("CREATE TABLE IF NOT EXISTS mirrored_blobs (digest TEXT PRIMARY KEY)");
            // Blobs an operator pinned (imgfed replicate --oci --pin): eviction leaves their files here.
            s.execute("CREATE TABLE IF NOT EXISTS pinned_blobs (digest TEXT PRIMARY KEY)");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new RegistryDb(c);
    }

    List<BlobRow> blobs() throws SQLException {
        List<BlobRow> out = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT digest, sha1, size, piece_size, piece_root, created_at FROM blobs")) {
            while (rs.next()) {
                out.add(new BlobRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getString(5),
                        rs.getLong(6)));
            }
        }
        return out;
    }

    List<ManifestRow> manifests() throws SQLException {
        List<ManifestRow> out = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT repo, digest, media_type, body, refs, created_at FROM manifests")) {
            while (rs.next()) {
                out.add(new ManifestRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                        rs.getString(5), rs.getLong(6)));
            }
        }
        return out;
    }

    List<TagRow> tags() throws SQLException {
        List<TagRow> out = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT repo, tag, digest, updated_at FROM tags")) {
            while (rs.next()) {
                out.add(new TagRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
            }
        }
        return out;
    }

    /** The digests of {@code pinned_blobs}. */
    java.util.Set<String> pinnedBlobs() throws SQLException {
        java.util.Set<String> out = new java.util.HashSet<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT digest FROM pinned_blobs")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Pins or unpins blobs: one transaction. */
    void pin(java.util.Collection<String> digests, boolean pinned) throws SQLException {
        inTransaction(() -> {
            try (PreparedStatement st = conn.prepareStatement(pinned
                    ? "INSERT OR IGNORE INTO pinned_blobs(digest) VALUES(?)" : "DELETE FROM pinned_blobs WHERE digest = ?")) {
                for (String d : digests) {
                    st.setString(1, d);
                    st.addBatch();
                }
                st.executeBatch();
            }
        });
    }

    /** The digests of {@code mirrored_blobs}. */
    java.util.Set<String> mirroredBlobs() throws SQLException {
        java.util.Set<String> out = new java.util.HashSet<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT digest FROM mirrored_blobs")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** A blob, and whether it came from an upstream: one transaction. */
    void putBlob(BlobRow b, boolean mirrored) throws SQLException {
        inTransaction(() -> {
            putBlob(b);
            try (PreparedStatement st = conn.prepareStatement(mirrored
                    ? "INSERT OR IGNORE INTO mirrored_blobs(digest) VALUES(?)" : "DELETE FROM mirrored_blobs WHERE digest = ?")) {
                st.setString(1, b.digest());
                st.executeUpdate();
            }
        });
    }

    private void putBlob(BlobRow b) throws SQLException {
        putBlob.setString(1, b.digest());
        putBlob.setString(2, b.sha1());
        putBlob.setLong(3, b.size());
        if (b.pieceRoot() == null) {
            putBlob.setNull(4, java.sql.Types.INTEGER);
            putBlob.setNull(5, java.sql.Types.VARCHAR);
        } else {
            putBlob.setInt(4, b.pieceSize());
            putBlob.setString(5, b.pieceRoot());
        }
        putBlob.setLong(6, b.createdAt());
        putBlob.executeUpdate();
    }

    /** The manifest and, when {@code tag} is not null, the tag that names it (as of {@code at}): one transaction. */
    void putManifest(ManifestRow m, String tag, long at) throws SQLException {
        inTransaction(() -> {
            putManifest.setString(1, m.repo());
            putManifest.setString(2, m.digest());
            putManifest.setString(3, m.mediaType());
            putManifest.setBytes(4, m.body());
            putManifest.setString(5, m.references());
            putManifest.setLong(6, m.createdAt());
            putManifest.executeUpdate();
            if (tag != null) {
                putTag.setString(1, m.repo());
                putTag.setString(2, tag);
                putTag.setString(3, m.digest());
                putTag.setLong(4, at);
                putTag.executeUpdate();
            }
        });
    }

    /** The manifest and every tag of its repository that names it: one transaction. */
    void deleteManifest(String repo, String digest) throws SQLException {
        inTransaction(() -> {
            deleteTagsOf.setString(1, repo);
            deleteTagsOf.setString(2, digest);
            deleteTagsOf.executeUpdate();
            deleteManifest.setString(1, repo);
            deleteManifest.setString(2, digest);
            deleteManifest.executeUpdate();
        });
    }

    void deleteBlob(String digest) throws SQLException {
        inTransaction(() -> {
            for (String table : List.of("blobs", "mirrored_blobs")) {
                try (PreparedStatement st = conn.prepareStatement("DELETE FROM " + table + " WHERE digest = ?")) {
                    st.setString(1, digest);
                    st.executeUpdate();
                }
            }
        });
    }

    void deleteTag(String repo, String tag) throws SQLException {
        deleteTag.setString(1, repo);
        deleteTag.setString(2, tag);
        deleteTag.executeUpdate();
    }

    void ping() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    private interface SqlWork {
        void run() throws SQLException;
    }

    private void inTransaction(SqlWork work) throws SQLException {
        conn.setAutoCommit(false);
        try {
            work.run();
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
