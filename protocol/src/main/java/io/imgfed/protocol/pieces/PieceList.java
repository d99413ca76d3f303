package io.imgfed.protocol.pieces;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A file cut into fixed-size pieces (the last one shorter), each with its digest: how a DC pulling a file
 * verifies every piece as it arrives, serves a range as soon as the pieces under it are verified, blames exactly
 * the source that sent a bad piece, and resumes after a crash from the last verified piece.
 *
 * <p>Normally every digest is the sha256 of its piece and the list is tied to the signed manifest by its
 * {@link #root()}. A file whose manifest carries no piece root yet is verified as a single piece against the
 * sha256 (or, failing that, the sha1) the manifest signs: {@link #wholeFile}.
 *
 * <p>Wire form ({@link #encode()}): the digests concatenated, 32 bytes each, in piece order.
 */
public final class PieceList {
    public static final String SHA256 = "SHA-256";
    public static final String SHA1 = "SHA-1";
    /** The piece size for a file whose size is not known before it arrives (a chunked upload, an OCI blob). */
    public static final int DEFAULT_PIECE_SIZE = 4 * 1024 * 1024;
    /**
     * The smallest piece size {@link #pieceSizeFor} chooses. A puller serves nothing before its first piece is
     * verified, so the first byte waits for one piece to arrive (about 4 ms at 250 MB/s, against 16 ms for 4 MiB);
     * smaller pieces would add per-piece work (a digest to finish, a verified event) for little.
     */
    public static final int SMALLEST_CHOSEN_PIECE_SIZE = 1024 * 1024;
    /** A file of known size is cut into at most this many pieces: a piece list of at most 128 KiB. */
    public static final int MOST_CHOSEN_PIECES = 4096;

    private final long fileSize;
    private final long pieceSize;
    private final String algorithm;
    private final byte[][] digests;

    private PieceList(long fileSize, long pieceSize, String algorithm, byte[][] digests) {
        this.fileSize = fileSize;
        this.pieceSize = pieceSize;
        this.algorithm = algorithm;
        this.digests = digests;
    }

    /**
     * The piece size to cut a file of {@code fileSize} bytes into: the smallest power of two of at least
     * {@link #SMALLEST_CHOSEN_PIECE_SIZE} that keeps it to {@link #MOST_CHOSEN_PIECES} pieces (1 MiB up to 4 GiB,
     * 4 MiB at 16 GiB), or {@link #DEFAULT_PIECE_SIZE} when the size is not known (negative).
     */
    public static int pieceSizeFor(long fileSize) {
        if (fileSize < 0) {
            return DEFAULT_PIECE_SIZE;
        }
        long per = Math.max(SMALLEST_CHOSEN_PIECE_SIZE, (fileSize + MOST_CHOSEN_PIECES - 1) / MOST_CHOSEN_PIECES);
        long size = Long.highestOneBit(per) == per ? per : Long.highestOneBit(per) << 1;
        return (int) Math.min(size, FilePieces.MAX_PIECE_SIZE);
    }

    /** A list of sha256 piece digests for a file of {@code fileSize} bytes. */
    public static PieceList of(long fileSize, int pieceSize, byte[][] digests) {
        if (fileSize <= 0 || pieceSize <= 0) {
            throw new IllegalArgumentException("file and piece sizes must be positive");
        }
        long count = count(fileSize, pieceSize);
        if (digests.length != count) {
            throw new IllegalArgumentException(count + " pieces expected, got " + digests.length);
        }
        byte[][] copy = new byte[digests.length][];
        for (int i = 0; i < digests.length; i++) {
            if (digests[i].length != 32) {
                throw new IllegalArgumentException("a sha256 digest has 32 bytes");
            }
            copy[i] = digests[i].clone();
        }
        return new PieceList(fileSize, pieceSize, SHA256, copy);
    }

    /** The whole file as one piece, checked against a digest the manifest signs (sha256 or sha1, hex). */
    public static PieceList wholeFile(long fileSize, String algorithm, String hexDigest) {
        if (!SHA256.equals(algorithm) && !SHA1.equals(algorithm)) {
            throw new IllegalArgumentException("unknown digest " + algorithm);
        }
        return new PieceList(fileSize, fileSize, algorithm, new byte[][] {HexFormat.of().parseHex(hexDigest)});
    }

    /** Parses the wire form for a file of this size and piece size; throws IllegalArgumentException if it cannot be one. */
    public static PieceList decode(byte[] wire, long fileSize, int pieceSize) {
        long count = count(fileSize, pieceSize);
        if (wire.length != count * 32) {
            throw new IllegalArgumentException("a list of " + count + " pieces has " + count * 32 + " bytes, not " + wire.length);
        }
        byte[][] d = new byte[(int) count][];
        for (int i = 0; i < count; i++) {
            d[i] = Arrays.copyOfRange(wire, i * 32, i * 32 + 32);
        }
        return new PieceList(fileSize, pieceSize, SHA256, d);
    }

    public static long count(long fileSize, long pieceSize) {
        return (fileSize + pieceSize - 1) / pieceSize;
    }

    public byte[] encode() {
        byte[] out = new byte[digests.length * 32];
        for (int i = 0; i < digests.length; i++) {
            System.arraycopy(digests[i], 0, out, i * 32, digests[i].length);
        }
        return out;
    }

    /** sha256 over the concatenated digests (hex): what the manifest signs. */
    public String root() {
        MessageDigest md = sha256();
        for (byte[] d : digests) {
            md.update(d);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The manifest's summary of this list; only for sha256 lists. */
    public FilePieces summary() {
        if (!SHA256.equals(algorithm) || pieceSize > Integer.MAX_VALUE) {
            throw new IllegalStateException("a whole-file check has no piece summary");
        }
        return new FilePieces((int) pieceSize, root());
    }

    /** Whether this list is the one the summary signs. */
    public boolean matches(FilePieces summary) {
        return SHA256.equals(algorithm) && pieceSize == summary.pieceSize() && root().equals(summary.root());
    }

    public long fileSize() {
        return fileSize;
    }

    public long pieceSize() {
        return pieceSize;
    }

    public String algorithm() {
        return algorithm;
    }

    public int count() {
        return digests.length;
    }

    /** Where piece {@code i} starts in the file. */
    public long start(int i) {
        return i * pieceSize;
    }

    /** How many bytes piece {@code i} has. */
    public long length(int i) {
        return Math.min(pieceSize, fileSize - start(i));
    }

    /** The piece that byte {@code offset} belongs to. */
    public int pieceAt(long offset) {
        return (int) (offset / pieceSize);
    }

    /** Whether {@code digest} is piece {@code i}'s digest. */
    public boolean verifies(int i, byte[] digest) {
        return MessageDigest.isEqual(digests[i], digest);
    }

    /** A fresh digest of this list's algorithm. */
    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JVM", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance(SHA256);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
