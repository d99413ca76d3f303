package io.imgfed.transfer.store;

import static io.imgfed.transfer.store.StoreTesting.assertDigests;
import static io.imgfed.transfer.store.StoreTesting.await;
import static io.imgfed.transfer.store.StoreTesting.awaitFailure;
import static io.imgfed.transfer.store.StoreTesting.concat;
import static io.imgfed.transfer.store.StoreTesting.onContext;
import static io.imgfed.transfer.store.StoreTesting.random;
import static io.imgfed.transfer.store.StoreTesting.writeAndFinish;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.transfer.store.StoreTesting.Hasher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BlobWriterTest {
    private static final Set<DigestKind> ALL = EnumSet.allOf(DigestKind.class);
    private static Vertx vertx;

    @TempDir
    Path data;
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
    void openStore() throws Exception {
        store = await(BlobStore.open(vertx, data));
        ctx = vertx.getOrCreateContext();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private BlobWriter newWriter(Set<DigestKind> kinds, long maxSize) throws Exception {
        return await(store.newWriter(ctx, kinds, maxSize));
    }

    /** Writes chunks, checks size and digests against MessageDigest and the temp file's bytes. */
    private void checkWrite(List<byte[]> chunks) throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        BlobDigest d = writeAndFinish(ctx, w, chunks);
        byte[] all = concat(chunks);
        assertDigests(Hasher.of(all), d, ALL);
        assertEquals(all.length, w.written());
        assertArrayEquals(all, Files.readAllBytes(w.path()));
    }

    @Test
    void oneByte() throws Exception {
        checkWrite(List.of(new byte[] {(byte) 0xA5}));
    }

    @Test
    void emptyFile() throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        BlobDigest d = writeAndFinish(ctx, w, List.of());
        assertDigests(Hasher.of(), d, ALL);
        assertEquals("da39a3ee5e6b4b0d3255bfef95601890afd80709", d.sha1());
        assertEquals(0, Files.size(w.path()));
    }

    @Test
    void exactlyOneChunk() throws Exception {
        checkWrite(List.of(random(1, 64 * 1024)));
    }

    @Test
    void manyChunksOfOddSizes() throws Exception {
        int[] sizes = {1, 3, 17, 4095, 4097, 65535, 65537, 7, 131071, 1, 1_000_003, 8191, 999, 2, 524_287};
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            chunks.add(random(100 + i, sizes[i]));
        }
        checkWrite(chunks);
    }

    @Test
    void aFileSpanningSeveralPeriodicSyncsKeepsItsBytesAndDigests() throws Exception {
        // 40 MiB in 1 MiB writes: the sync lane fsyncs twice while the other lanes write and hash, and finish
        // waits for it before its own fsync and the close.
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            chunks.add(random(500 + i, (1 << 20) + i));
        }
        checkWrite(chunks);
    }

    @Test
    void abortWhilePeriodicSyncsRunDeletesTheFile() throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        byte[] mib = random(77, 1 << 20);
        List<Future<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            writes.add(onContext(ctx, () -> w.write(Buffer.buffer(mib))));
            if (i % 8 == 7) {
                await(writes.get(writes.size() - 1)); // the file lane gets ahead of the sync lane, not of the test
            }
        }
        await(w.abort());
        assertFalse(Files.exists(w.path()));
        try (Stream<Path> s = Files.list(store.tmpDir())) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aFailedPeriodicFsyncFailsTheFileThoughTheFinalOneSucceeds() throws Exception {
        // The kernel reports a failed writeback to one fsync only: a writer that shrugged off the periodic one
        // would commit a file whose bytes may be gone, on the word of a final fsync that saw nothing.
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Path path = store.tmpDir().resolve("eio.part");
            FirstForceFailsChannel ch = new FirstForceFailsChannel(
                    FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            BlobWriter w = new BlobWriter(ctx, path, ch, pool, ALL, Long.MAX_VALUE,
                    io.imgfed.protocol.pieces.PieceList.DEFAULT_PIECE_SIZE);
            byte[] mib = random(91, 1 << 20);
            int mibs = (int) (BlobWriter.SYNC_EVERY_BYTES >> 20) + 4;
            List<Future<Void>> writes = new ArrayList<>();
            await(onContext(ctx, () -> {
                for (int i = 0; i < mibs; i++) {
                    writes.add(w.write(Buffer.buffer(mib)));
                }
                return Future.succeededFuture();
            }));
            ch.failed.get(StoreTesting.TIMEOUT_SECONDS, SECONDS); // the periodic fsync ran, and failed
            assertInstanceOf(java.io.IOException.class, awaitFailure(onContext(ctx, w::finish)));
            assertNotNull(w.failure(), "the writer knows it failed");
        } finally {
            pool.shutdownNow();
        }
    }

    static Stream<Set<DigestKind>> kindSubsets() {
        return Stream.of(EnumSet.noneOf(DigestKind.class), EnumSet.of(DigestKind.SHA1), EnumSet.of(DigestKind.MD5),
                EnumSet.of(DigestKind.SHA256), EnumSet.of(DigestKind.SHA1, DigestKind.MD5),
                EnumSet.of(DigestKind.MD5, DigestKind.SHA256));
    }

    @ParameterizedTest
    @MethodSource("kindSubsets")
    void onlyRequestedDigestsAreComputed(Set<DigestKind> kinds) throws Exception {
        List<byte[]> chunks = List.of(random(7, 10_000), random(8, 333), random(9, 70_001));
        BlobWriter w = newWriter(kinds, Long.MAX_VALUE);
        BlobDigest d = writeAndFinish(ctx, w, chunks);
        assertDigests(Hasher.of(concat(chunks)), d, kinds);
        assertArrayEquals(concat(chunks), Files.readAllBytes(w.path()));
    }

    @Test
    void progressReachesTheSize() throws Exception {
        List<byte[]> chunks = List.of(random(1, 100_000), random(2, 50_000), random(3, 1));
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        List<Long> progress = new CopyOnWriteArrayList<>();
        w.progressHandler(progress::add);
        writeAndFinish(ctx, w, chunks);
        assertEquals(150_001, w.written());
        assertEquals(150_001, w.accepted());
        assertEquals(150_001L, progress.stream().mapToLong(Long::longValue).max().orElse(-1));
        assertTrue(progress.stream().allMatch(p -> p > 0 && p <= 150_001), progress::toString);
    }

    /** Holds every task until opened; then hands them, and later ones, to a real pool. */
    private static final class Gate implements Executor {
        private final List<Runnable> held = new ArrayList<>();
        private Executor target;

        @Override
        public synchronized void execute(Runnable task) {
            if (target == null) {
                held.add(task);
            } else {
                target.execute(task);
            }
        }

        void open(Executor to) {
            List<Runnable> release;
            synchronized (this) {
                target = to;
                release = new ArrayList<>(held);
                held.clear();
            }
            release.forEach(to::execute);
        }
    }

    @Test
    void queueFillsWhileTheLanesAreBusyAndDrainsWhenTheyCatchUp() throws Exception {
        Gate gate = new Gate();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Path path = store.tmpDir().resolve("gated.part");
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            BlobWriter w = new BlobWriter(ctx, path, ch, gate, ALL, Long.MAX_VALUE, io.imgfed.protocol.pieces.PieceList.DEFAULT_PIECE_SIZE);
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                chunks.add(random(1000 + i, 40_000));
            }
            CompletableFuture<Boolean> drained = new CompletableFuture<>();
            List<Future<Void>> writes = new ArrayList<>();
            boolean[] fullAfter = await(onContext(ctx, () -> {
                w.setWriteQueueMaxSize(100_000);
                boolean[] full = new boolean[3];
                for (int i = 0; i < 3; i++) {
                    writes.add(w.write(Buffer.buffer(chunks.get(i))));
                    full[i] = w.writeQueueFull();
                }
                w.drainHandler(v -> drained.complete(w.writeQueueFull()));
                return Future.succeededFuture(full);
            }));
            assertArrayEquals(new boolean[] {false, false, true}, fullAfter, "full once 120000 >= 100000 bytes queue");
            // A handler run at once would have been scheduled before this round trip.
            await(onContext(ctx, Future::succeededFuture));
            assertFalse(drained.isDone(), "drain must wait for the lanes");
            assertEquals(0, w.written());
            assertTrue(writes.stream().noneMatch(Future::isComplete));

            gate.open(pool);
            assertFalse(drained.get(StoreTesting.TIMEOUT_SECONDS, SECONDS), "queue not full when drain fires");
            await(Future.all(writes));
            assertEquals(120_000, w.written());

            BlobDigest d = writeAndFinish(ctx, w, chunks.subList(3, chunks.size()));
            byte[] all = concat(chunks);
            assertDigests(Hasher.of(all), d, ALL);
            assertArrayEquals(all, Files.readAllBytes(path), "bytes in write order");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pumpThatHonoursBackpressureKeepsTheOrder() throws Exception {
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            chunks.add(random(5000 + i, (i * 7919) % 20_000 + 1));
        }
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        AtomicInteger fulls = new AtomicInteger();
        AtomicInteger drains = new AtomicInteger();
        BlobDigest d = await(onContext(ctx, () -> {
            Promise<BlobDigest> done = Promise.promise();
            w.setWriteQueueMaxSize(64 * 1024);
            new Runnable() {
                int next;

                @Override
                public void run() {
                    while (next < chunks.size()) {
                        w.write(Buffer.buffer(chunks.get(next++))).onFailure(done::tryFail);
                        if (w.writeQueueFull()) {
                            fulls.incrementAndGet();
                            w.drainHandler(v -> {
                                drains.incrementAndGet();
                                run();
                            });
                            return;
                        }
                    }
                    w.finish().onComplete(done);
                }
            }.run();
            return done.future();
        }));
        byte[] all = concat(chunks);
        assertDigests(Hasher.of(all), d, ALL);
        assertArrayEquals(all, Files.readAllBytes(w.path()));
        assertTrue(fulls.get() > 0, "a tight write loop outruns hashing; the queue must fill");
        assertEquals(fulls.get(), drains.get(), "every full queue drained");
    }

    @Test
    void writingMoreThanMaxSizeFails() throws Exception {
        BlobWriter w = newWriter(ALL, 100);
        CompletableFuture<Throwable> handled = new CompletableFuture<>();
        w.exceptionHandler(handled::complete);
        await(onContext(ctx, () -> w.write(Buffer.buffer(random(1, 60)))));
        List<Future<Void>> writes = await(onContext(ctx, () -> Future.succeededFuture(List.of(
                w.write(Buffer.buffer(random(2, 60))), w.write(Buffer.buffer(new byte[1]))))));
        assertEquals(60, w.written());
        assertInstanceOf(BlobWriter.FileTooLargeException.class, awaitFailure(writes.get(0)));
        assertInstanceOf(BlobWriter.FileTooLargeException.class, awaitFailure(writes.get(1)), "refused after failing");
        assertInstanceOf(BlobWriter.FileTooLargeException.class, handled.get(StoreTesting.TIMEOUT_SECONDS, SECONDS));
        assertInstanceOf(BlobWriter.FileTooLargeException.class, w.failure());
        assertInstanceOf(BlobWriter.FileTooLargeException.class, awaitFailure(onContext(ctx, w::finish)));
        await(w.abort());
        assertFalse(Files.exists(w.path()));
    }

    @Test
    void exactlyMaxSizeIsAllowed() throws Exception {
        BlobWriter w = newWriter(ALL, 100);
        List<byte[]> chunks = List.of(random(1, 60), random(2, 40));
        BlobDigest d = writeAndFinish(ctx, w, chunks);
        assertDigests(Hasher.of(concat(chunks)), d, ALL);
        assertNull(w.failure());
    }

    @Test
    void oneWriteBiggerThanMaxSizeFails() throws Exception {
        BlobWriter w = newWriter(ALL, 100);
        assertInstanceOf(BlobWriter.FileTooLargeException.class,
                awaitFailure(onContext(ctx, () -> w.write(Buffer.buffer(new byte[101])))));
        assertInstanceOf(BlobWriter.FileTooLargeException.class, awaitFailure(onContext(ctx, w::finish)));
        assertEquals(0, w.written());
    }

    @Test
    void writesAfterFinishFailAndFinishIsIdempotent() throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        BlobDigest d = writeAndFinish(ctx, w, List.of(random(3, 1000)));
        Future<BlobDigest> first = w.finish();
        assertSame(first, w.finish(), "finish() twice gives the same future");
        assertSame(d, await(first));
        assertInstanceOf(IllegalStateException.class,
                awaitFailure(onContext(ctx, () -> w.write(Buffer.buffer(new byte[] {1})))));
        await(onContext(ctx, w::end));
        assertEquals(1000, Files.size(w.path()), "late write did not reach the file");
    }

    @Test
    void writeRacingFinishIsRefused() throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        Future<Void>[] late = new Future[1];
        Future<BlobDigest> finished = onContext(ctx, () -> {
            w.write(Buffer.buffer(random(4, 500)));
            Future<BlobDigest> f = w.finish();
            late[0] = w.write(Buffer.buffer(random(5, 500)));
            return f;
        });
        BlobDigest d = await(finished);
        assertEquals(500, d.size());
        assertInstanceOf(IllegalStateException.class, awaitFailure(late[0]));
    }

    @Test
    void abortDeletesTheTempFileAndRefusesWrites() throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        await(onContext(ctx, () -> w.write(Buffer.buffer(random(6, 10_000)))));
        assertTrue(Files.exists(w.path()));
        await(w.abort());
        assertFalse(Files.exists(w.path()));
        assertTrue(awaitFailure(onContext(ctx, () -> w.write(Buffer.buffer(new byte[] {1})))) instanceof java.io.IOException);
        await(w.abort()); // a second abort is harmless
        try (Stream<Path> s = Files.list(store.tmpDir())) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void abortWithWritesInFlightFailsThemAndFinish() throws Exception {
        BlobWriter w = newWriter(ALL, Long.MAX_VALUE);
        List<Future<Void>> writes = new ArrayList<>();
        Future<Void> aborted = onContext(ctx, () -> {
            for (int i = 0; i < 20; i++) {
                writes.add(w.write(Buffer.buffer(random(i, 100_000))));
            }
            return w.abort();
        });
        await(aborted);
        assertFalse(Files.exists(w.path()));
        assertInstanceOf(java.io.IOException.class, awaitFailure(onContext(ctx, w::finish)));
        // Results are delivered on the context after the task that aborted, so every write settles as failed.
        for (Future<Void> f : writes) {
            assertInstanceOf(java.io.IOException.class, awaitFailure(f));
        }
    }
}
