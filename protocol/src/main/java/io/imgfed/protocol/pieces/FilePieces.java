package io.imgfed.protocol.pieces;

import java.util.regex.Pattern;

/**
 * What a signed manifest says about a file's pieces: the piece size and the root, the sha256 of the
 * concatenated sha256 digests of every piece in order. The full list ({@link PieceList}) travels separately and is
 * believed only if it hashes to this root, so the home DC's signature on the manifest covers every piece.
 */
public record FilePieces(int pieceSize, String root) {
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    /** Pieces are at least this large: smaller would make lists long for large files. */
    public static final int MIN_PIECE_SIZE = 64 * 1024;
    /** At most this large: larger would hold up a range request for too long. */
    public static final int MAX_PIECE_SIZE = 64 * 1024 * 1024;

    public FilePieces {
        if (pieceSize < MIN_PIECE_SIZE || pieceSize > MAX_PIECE_SIZE || Integer.bitCount(pieceSize) != 1) {
            throw new IllegalArgumentException("piece size must be a power of two between " + MIN_PIECE_SIZE + " and "
                    + MAX_PIECE_SIZE);
        }
        if (root == null || !SHA256.matcher(root).matches()) {
            throw new IllegalArgumentException("piece root must be 64 lowercase hex digits");
        }
    }
}
