package io.imgfed.protocol.pieces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Piece lists: geometry, the root that the manifest signs, and the wire form that is checked against it. */
class PieceListTest {
    private static byte[] digest(int seed) {
        byte[] d = new byte[32];
        d[0] = (byte) seed;
        d[31] = (byte) (seed * 7);
        return d;
    }

    @Test
    void cutsAFileIntoFixedPiecesWithAShorterLastOne() {
        PieceList l = PieceList.of(10 * 65536L + 5, 65536, new byte[][] {
            digest(0), digest(1), digest(2), digest(3), digest(4), digest(5), digest(6), digest(7), digest(8), digest(9),
            digest(10)});
        assertEquals(11, l.count());
        assertEquals(0, l.start(0));
        assertEquals(65536, l.length(0));
        assertEquals(10 * 65536L, l.start(10));
        assertEquals(5, l.length(10));
        assertEquals(3, l.pieceAt(3 * 65536L + 17));
        assertTrue(l.verifies(4, digest(4)));
        assertFalse(l.verifies(4, digest(5)));
    }

    @Test
    void theRootIsTheSha256OfTheConcatenatedDigestsAndTheWireFormRoundTrips() throws Exception {
        byte[][] ds = {digest(1), digest(2), digest(3)};
        PieceList l = PieceList.of(3 * 65536L, 65536, ds);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (byte[] d : ds) {
            md.update(d);
        }
        assertEquals(HexFormat.of().formatHex(md.digest()), l.root());
        PieceList back = PieceList.decode(l.encode(), 3 * 65536L, 65536);
        assertEquals(l.root(), back.root());
        assertTrue(back.matches(l.summary()));
        assertEquals(new FilePieces(65536, l.root()), l.summary());
    }

    @Test
    void aListThatIsNotTheSignedOneDoesNotMatch() {
        PieceList signed = PieceList.of(2 * 65536L, 65536, new byte[][] {digest(1), digest(2)});
        PieceList other = PieceList.of(2 * 65536L, 65536, new byte[][] {digest(1), digest(3)});
        assertFalse(other.matches(signed.summary()));
        PieceList otherSize = PieceList.of(2 * 65536L, 131072, new byte[][] {digest(1)});
        assertFalse(otherSize.matches(signed.summary()));
        assertFalse(PieceList.wholeFile(5, PieceList.SHA256, "ab".repeat(32)).matches(signed.summary()));
    }

    @Test
    void aWireFormOfTheWrongLengthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PieceList.decode(new byte[64], 3 * 65536L, 65536));
        assertThrows(IllegalArgumentException.class, () -> PieceList.decode(new byte[95], 3 * 65536L, 65536));
        assertArrayEquals(new byte[96], PieceList.decode(new byte[96], 3 * 65536L, 65536).encode());
    }

    @Test
    void aWholeFileCheckIsOnePieceOfItsDigest() {
        PieceList l = PieceList.wholeFile(1000, PieceList.SHA1, "0a".repeat(20));
        assertEquals(1, l.count());
        assertEquals(1000, l.length(0));
        assertEquals("SHA-1", l.newDigest().getAlgorithm());
        assertThrows(IllegalStateException.class, l::summary);
        assertThrows(IllegalArgumentException.class, () -> PieceList.wholeFile(1000, "MD5", "0a".repeat(16)));
    }

    @Test
    void pieceSizesAreBoundedPowersOfTwoAndRootsAreHex() {
        assertThrows(IllegalArgumentException.class, () -> new FilePieces(65535, "0".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> new FilePieces(3 * 65536, "0".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> new FilePieces(1 << 27, "0".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> new FilePieces(65536, "0".repeat(63)));
        assertThrows(IllegalArgumentException.class, () -> new FilePieces(65536, "G".repeat(64)));
        assertEquals(65536, new FilePieces(65536, "f".repeat(64)).pieceSize());
    }

    @Test
    void aKnownSizeGetsSmallPiecesAndAShortListAnUnknownOneTheDefault() {
        long mib = 1 << 20;
        long gib = 1L << 30;
        assertEquals(PieceList.DEFAULT_PIECE_SIZE, PieceList.pieceSizeFor(-1));
        for (long size : new long[] {0, 1, mib, gib, 4 * gib}) {
            assertEquals(mib, PieceList.pieceSizeFor(size), "size " + size);
        }
        assertEquals(2 * mib, PieceList.pieceSizeFor(4 * gib + 1));
        assertEquals(4 * mib, PieceList.pieceSizeFor(16 * gib));
        assertEquals(FilePieces.MAX_PIECE_SIZE, PieceList.pieceSizeFor(Long.MAX_VALUE / 2));
        for (long size : new long[] {3 * gib + 7, 20 * gib, 100 * gib, 200 * gib}) {
            int piece = PieceList.pieceSizeFor(size);
            new FilePieces(piece, "0".repeat(64)); // a valid piece size
            assertTrue((size + piece - 1) / piece <= PieceList.MOST_CHOSEN_PIECES || piece == FilePieces.MAX_PIECE_SIZE,
                    "size " + size + " in " + piece + "-byte pieces");
        }
    }
}
