package io.imgfed.transfer.store;

import io.imgfed.protocol.pieces.PieceList;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a stream of bytes, fed in order, into pieces of a fixed size and digests each with sha256. Either builds the
 * file's {@link PieceList} (an upload, or a file already stored) or, given the expected list, judges each piece as
 * its last byte arrives (a pull). Not thread-safe: one lane feeds it.
 */
public final class PieceHasher {
    /** Told the verdict on each piece when its last byte arrived; on the feeding thread. */
    public interface Verdicts {
        void piece(int index, boolean good);
    }

    private final long fileSize;
    private final long pieceSize;
    private final PieceList expected;
    private final Verdicts verdicts;
    private final List<byte[]> digests = new ArrayList<>();
    private MessageDigest current;
    private long position;

    private PieceHasher(long fileSize, long pieceSize, PieceList expected, Verdicts verdicts) {
        this.fileSize = fileSize;
        this.pieceSize = pieceSize;
        this.expected = expected;
        this.verdicts = verdicts;
        this.current = expected != null ? expected.newDigest() : sha256();
    }

    /** Builds the piece list of a file of unknown final size (an upload); pieces of {@code pieceSize}. */
    public static PieceHasher building(int pieceSize) {
        return new PieceHasher(Long.MAX_VALUE, pieceSize, null, null);
    }

    /** Checks bytes from {@code start} (a piece boundary) on against {@code expected}. */
    public static PieceHasher checking(PieceList expected, long start, Verdicts verdicts) {
        if (start % expected.pieceSize() != 0) {
            throw new IllegalArgumentException("checking starts at a piece boundary, not " + start);
        }
        PieceHasher h = new PieceHasher(expected.fileSize(), expected.pieceSize(), expected, verdicts);
        h.position = start;
        return h;
    }

    /** The next byte offset this hasher expects. */
    public long position() {
        return position;
    }

    public void update(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate();
        while (b.hasRemaining()) {
            long left = pieceSize - position % pieceSize;
            left = Math.min(left, fileSize - position);
            if (left <= 0) {
                throw new IllegalStateException("more bytes than the file has (" + fileSize + ")");
            }
            int n = (int) Math.min(left, b.remaining());
            ByteBuffer part = b.slice(b.position(), n);
            current.update(part);
            b.position(b.position() + n);
            position += n;
            if (position % pieceSize == 0 || position == fileSize) {
                endPiece();
            }
        }
    }

    private void endPiece() {
        byte[] d = current.digest();
        int index = (int) ((position - 1) / pieceSize);
        if (expected == null) {
            digests.add(d);
        } else {
            verdicts.piece(index, expected.verifies(index, d));
        }
    }

    /** The piece list of everything fed (building only); ends the last, shorter piece. */
    public PieceList finish() {
        if (expected != null) {
            throw new IllegalStateException("a checking hasher builds no list");
        }
        if (position == 0) {
            throw new IllegalStateException("an empty file has no pieces");
        }
        if (position % pieceSize != 0) {
            digests.add(current.digest());
        }
        return PieceList.of(position, (int) pieceSize, digests.toArray(new byte[0][]));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance(PieceList.SHA256);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
