package io.imgfed.transfer.store;

import io.imgfed.protocol.pieces.PieceList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The piece lists of the blobs, kept beside them in {@code pieces/<sha1>.<piece size>}: written without fsync,
 * since a list lost or torn is computed again from its blob (and a torn one fails to decode). Blocking: called on
 * the store's I/O threads.
 */
final class PieceLists {
    private static final Logger LOG = LoggerFactory.getLogger(PieceLists.class);
    private static final int READ_CHUNK = 1 << 20;

    private final Path dir;

    PieceLists(Path dir) {
        this.dir = dir;
    }

    void create() throws IOException {
        Files.createDirectories(dir);
    }

    /** The kept list of a blob of {@code size} bytes at {@code pieceSize}, or computed from the blob and kept. */
    PieceList of(String sha1, long size, int pieceSize, FileChannel blob) throws IOException {
        PieceList kept = read(sha1, size, pieceSize);
        if (kept != null) {
            return kept;
        }
        PieceHasher h = PieceHasher.building(pieceSize);
        ByteBuffer buf = ByteBuffer.allocateDirect(READ_CHUNK);
        long pos = 0;
        while (true) {
            buf.clear();
            int n = blob.read(buf, pos);
            if (n < 0) {
                break;
            }
            buf.flip();
            h.update(buf);
            pos += n;
        }
        PieceList list = h.finish();
        write(sha1, list);
        return list;
    }

    private PieceList read(String sha1, long size, int pieceSize) {
        try {
            return PieceList.decode(Files.readAllBytes(file(sha1, pieceSize)), size, pieceSize);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    void write(String sha1, PieceList list) {
        Path f = file(sha1, list.pieceSize());
        Path t = dir.resolve(f.getFileName() + ".tmp");
        try {
            Files.write(t, list.encode());
            Files.move(t, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.debug("piece list of {} not kept: {}", sha1, e.toString());
        }
    }

    void delete(String sha1) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, sha1 + ".*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private Path file(String sha1, long pieceSize) {
        return dir.resolve(sha1 + "." + pieceSize);
    }
}
