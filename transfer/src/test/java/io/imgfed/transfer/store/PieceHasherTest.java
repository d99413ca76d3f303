package io.imgfed.transfer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imgfed.protocol.pieces.PieceList;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The piece hasher cuts at piece boundaries whatever the chunking of the bytes fed to it. */
class PieceHasherTest {
    private static final int PIECE = 64 * 1024;

    @Test
    void buildsTheSameListWhateverTheChunkSizesAndMatchesDigestsOfEachPiece() throws Exception {
        byte[] content = new byte[3 * PIECE + 777];
        new Random(7).nextBytes(content);
        PieceHasher whole = PieceHasher.building(PIECE);
        whole.update(ByteBuffer.wrap(content));
        PieceList a = whole.finish();
        PieceHasher chunked = PieceHasher.building(PIECE);
        Random r = new Random(8);
        for (int at = 0; at < content.length;) {
            int n = Math.min(content.length - at, 1 + r.nextInt(20_000));
            chunked.update(ByteBuffer.wrap(content, at, n));
            at += n;
        }
        PieceList b = chunked.finish();
        assertEquals(a.root(), b.root());
        assertEquals(4, a.count());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(content, 3 * PIECE, 777);
        byte[] last = md.digest();
        assertEquals(true, a.verifies(3, last));
    }

    @Test
    void checkingJudgesEachPieceWhenItsLastByteArrives() {
        byte[] content = new byte[2 * PIECE + 10];
        new Random(9).nextBytes(content);
        PieceHasher b = PieceHasher.building(PIECE);
        b.update(ByteBuffer.wrap(content));
        PieceList list = b.finish();
        content[PIECE + 3] ^= 1;
        List<String> verdicts = new ArrayList<>();
        PieceHasher c = PieceHasher.checking(list, 0, (i, ok) -> verdicts.add(i + ":" + ok));
        c.update(ByteBuffer.wrap(content, 0, PIECE - 1));
        assertEquals(List.of(), verdicts);
        c.update(ByteBuffer.wrap(content, PIECE - 1, content.length - PIECE + 1));
        assertEquals(List.of("0:true", "1:false", "2:true"), verdicts);
        assertThrows(IllegalStateException.class, () -> c.update(ByteBuffer.wrap(new byte[1])));
        assertThrows(IllegalArgumentException.class, () -> PieceHasher.checking(list, 5, (i, ok) -> { }));
    }

    @Test
    void aWholeFileCheckUsesTheSignedDigest() throws Exception {
        byte[] content = new byte[1000];
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        List<Boolean> verdicts = new ArrayList<>();
        PieceHasher c = PieceHasher.checking(PieceList.wholeFile(1000, PieceList.SHA256, sha256), 0, (i, ok) -> verdicts.add(ok));
        c.update(ByteBuffer.wrap(content));
        assertEquals(List.of(true), verdicts);
    }
}
