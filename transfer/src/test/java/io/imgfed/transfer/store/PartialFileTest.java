package io.imgfed.transfer.store;

import static io.imgfed.transfer.store.StoreTesting.await;
import static io.imgfed.transfer.store.StoreTesting.awaitFailure;
import static io.imgfed.transfer.store.StoreTesting.onContext;
import static io.imgfed.transfer.store.StoreTesting.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.pieces.PieceList;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull's partial file: every piece is checked as its last byte arrives, only whole good pieces on disk are
 * readable, a bad piece is reported and can be dropped, and a file left by an earlier process is re-checked.
 */
class PartialFileTest {
    private static final int PIECE = 64 * 1024;
    private static final String SHA1 = "ab".repeat(20);
    private static Vertx vertx;

    @TempDir
    Path dir;
    private BlobStore store;
    private Context ctx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        await(vertx.close());
    }

    @BeforeEach
    void open() throws Exception {
        store = await(BlobStore.open(vertx, dir));
        ctx = vertx.getOrCreateContext();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static PieceList piecesOf(byte[] content) {
        PieceHasher h = PieceHasher.building(PIECE);
        h.update(ByteBuffer.wrap(content));
        return h.finish();
    }

    private PartialFile openPartial(PieceList pieces) throws Exception {
        return await(store.openPartial(ctx, SHA1, pieces));
    }

    /** Writes {@code bytes[from, to)} on the file's context, a network-sized chunk at a time. */
    private void write(PartialFile f, byte[] bytes, int from, int to) throws Exception {
        await(onContext(ctx, () -> {
            Future<Void> last = Future.succeededFuture();
            for (int at = from; at < to; at += 10_000) {
                last = f.write(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, at, Math.min(to, at + 10_000))));
            }
            return last;
        }));
    }

    private static void awaitVerified(PartialFile f, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (f.verified() < bytes) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("verified " + f.verified() + " of " + bytes);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void everyPieceIsCheckedAndTheWholeFileBecomesVerified() throws Exception {
        byte[] content = random(1, 5 * PIECE + 123);
        PartialFile f = openPartial(piecesOf(content));
        assertEquals(0, f.verified());
        write(f, content, 0, 2 * PIECE + 7);
        awaitVerified(f, 2L * PIECE);
        assertEquals(2L * PIECE, f.verified(), "the unfinished third piece is not verified");
        write(f, content, 2 * PIECE + 7, content.length);
        awaitVerified(f, content.length);
        assertTrue(f.complete());
        await(onContext(ctx, f::finish));
        assertArrayEquals(content, Files.readAllBytes(f.path()));
    }

    @Test
    void aBadPieceIsReportedVerificationStopsThereAndARewindDropsIt() throws Exception {
        byte[] content = random(2, 4 * PIECE);
        byte[] corrupt = content.clone();
        corrupt[PIECE + 100] ^= 1;
        PartialFile f = openPartial(piecesOf(content));
        CompletableFuture<PartialFile.BadPiece> bad = new CompletableFuture<>();
        f.badPieceHandler(bad::complete);
        write(f, corrupt, 0, 3 * PIECE);
        PartialFile.BadPiece b = bad.get(30, TimeUnit.SECONDS);
        assertEquals(new PartialFile.BadPiece(1, PIECE), b);
        awaitVerified(f, PIECE);
        Thread.sleep(100);
        assertEquals(PIECE, f.verified(), "nothing after the bad piece is ever verified");
        await(onContext(ctx, () -> f.rewind(PIECE)));
        assertEquals(PIECE, Files.size(f.path()), "the file is cut at the bad piece");
        assertEquals(PIECE, f.position());
        write(f, content, PIECE, content.length);
        awaitVerified(f, content.length);
        await(onContext(ctx, f::finish));
        assertArrayEquals(content, Files.readAllBytes(f.path()));
    }

    @Test
    void aBadPieceJudgedBeforeTheGoodOnesAreWrittenIsReportedOnceTheyAreAndTheRewindToItIsAllowed() throws Exception {
        // The hash lane may judge a bad piece while the file lane still writes the good pieces before it; the
        // owner answers a report with a rewind to the bad piece, which must then be allowed (FailoverTest once
        // saw "rewind to 2097152: not a piece boundary at or before the verified 1303552" and failed the pull).
        byte[] content = random(3, 4 * PIECE);
        byte[] corrupt = content.clone();
        corrupt[2 * PIECE + 5] ^= 1;
        Path path = dir.resolve("held.part");
        HeldWritesChannel ch = new HeldWritesChannel(java.nio.channels.FileChannel.open(path,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            PartialFile f = PartialFile.open(ctx, path, piecesOf(content), ch, pool);
            CompletableFuture<Long> verifiedAtReport = new CompletableFuture<>();
            CompletableFuture<PartialFile.BadPiece> bad = new CompletableFuture<>();
            f.badPieceHandler(b -> {
                verifiedAtReport.complete(f.verified());
                bad.complete(b);
            });
            await(onContext(ctx, () -> {
                for (int at = 0; at < 3 * PIECE; at += 10_000) {
                    f.write(Buffer.buffer(java.util.Arrays.copyOfRange(corrupt, at, Math.min(3 * PIECE, at + 10_000))));
                }
                return Future.succeededFuture();
            }));
            // The file lane is held: a report now would come before the good pieces are on disk. Give the hash
            // lane the time to judge, then let the disk go.
            try {
                bad.get(300, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException expected) {
                // not reported while the pieces before it are unwritten
            }
            ch.release();
            PartialFile.BadPiece b = bad.get(30, TimeUnit.SECONDS);
            assertEquals(new PartialFile.BadPiece(2, 2L * PIECE), b);
            assertEquals(2L * PIECE, verifiedAtReport.get(), "reported once the good pieces before it are verified");
            await(onContext(ctx, () -> f.rewind(b.start())));
            assertEquals(2L * PIECE, Files.size(f.path()), "the file is cut at the bad piece");
            write(f, content, 2 * PIECE, content.length);
            awaitVerified(f, content.length);
            await(onContext(ctx, f::finish));
            assertArrayEquals(content, Files.readAllBytes(f.path()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFileLeftByAnEarlierProcessIsReCheckedAndResumedAfterItsGoodBytes() throws Exception {
        byte[] content = random(3, 6 * PIECE + 50);
        PieceList pieces = piecesOf(content);
        PartialFile first = openPartial(pieces);
        write(first, content, 0, 3 * PIECE + 999);
        awaitVerified(first, 3L * PIECE);
        await(onContext(ctx, () -> first.close(false)));

        PartialFile again = openPartial(pieces);
        assertEquals(3L * PIECE, again.verified());
        assertEquals(3L * PIECE + 999, again.position(), "the bytes of the unfinished piece are kept");
        write(again, content, 3 * PIECE + 999, content.length);
        awaitVerified(again, content.length);
        await(onContext(ctx, again::finish));
        assertArrayEquals(content, Files.readAllBytes(again.path()));
    }

    @Test
    void aDamagedPieceInALeftFileIsCutOffWithEverythingAfterIt() throws Exception {
        byte[] content = random(4, 5 * PIECE);
        PieceList pieces = piecesOf(content);
        byte[] left = content.clone();
        left[2 * PIECE + 5] ^= 0x40; // as after a power loss that dropped an unsynced page
        Files.write(store.partialPath(SHA1), java.util.Arrays.copyOf(left, 4 * PIECE + 10));
        PartialFile f = openPartial(pieces);
        assertEquals(2L * PIECE, f.verified());
        assertEquals(2L * PIECE, f.position());
        assertEquals(2L * PIECE, Files.size(f.path()));
    }

    @Test
    void moreBytesThanTheFileHasFailTheFile() throws Exception {
        byte[] content = random(5, PIECE);
        PartialFile f = openPartial(piecesOf(content));
        byte[] longer = random(5, PIECE + 1);
        Throwable t = awaitFailure(onContext(ctx, () -> f.write(Buffer.buffer(longer))));
        assertInstanceOf(BlobWriter.FileTooLargeException.class, t);
        assertFalse(f.complete());
    }

    @Test
    void aFileWithoutAPieceListIsCheckedWholeAndNothingIsVerifiedBeforeItsLastByte() throws Exception {
        byte[] content = random(6, 3 * PIECE + 1);
        String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
        PartialFile f = openPartial(PieceList.wholeFile(content.length, PieceList.SHA1, sha1));
        write(f, content, 0, content.length - 1);
        Thread.sleep(100);
        assertEquals(0, f.verified());
        write(f, content, content.length - 1, content.length);
        awaitVerified(f, content.length);
        assertTrue(f.complete());
    }
}
