package io.imgfed.transfer.store;

import static io.imgfed.transfer.store.StoreTesting.await;
import static io.imgfed.transfer.store.StoreTesting.awaitFailure;
import static io.imgfed.transfer.store.StoreTesting.onContext;
import static io.imgfed.transfer.store.StoreTesting.random;
import static io.imgfed.transfer.store.StoreTesting.readAll;
import static io.imgfed.transfer.store.StoreTesting.writeAndFinish;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 2 MiB tmpfs as the data folder: writing past it must fail cleanly with {@link StoreFullException}. */
class BlobStoreDiskFullTest {
    private static final Set<DigestKind> ALL = EnumSet.allOf(DigestKind.class);
    private static final int MIB = 1 << 20;
    private static Vertx vertx;

    @TempDir
    Path dir;
    private Path mount;
    private boolean mounted;
    private BlobStore store;
    private Context ctx;
    private final List<BlobWriter> writers = new java.util.ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        await(vertx.close());
    }

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("tmpfs");
        Files.createDirectories(mount);
        String out = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString());
        mounted = out == null;
        assumeTrue(mounted, "cannot mount a 2 MiB tmpfs here (needs root or CAP_SYS_ADMIN): " + out);
        store = await(BlobStore.open(vertx, mount));
        ctx = vertx.getOrCreateContext();
    }

    @AfterEach
    void unmount() throws Exception {
        for (BlobWriter w : writers) {
            await(w.abort()); // closes its file, or the mount stays busy
        }
        if (store != null) {
            store.close();
        }
        if (mounted) {
            String out = run("umount", mount.toString());
            if (out != null) {
                run("umount", "-l", mount.toString()); // detach anyway so @TempDir can clean up
            }
            assertTrue(out == null, "umount failed: " + out);
        }
    }

    private BlobWriter newWriter() throws Exception {
        BlobWriter w = await(store.newWriter(ctx, ALL, Long.MAX_VALUE));
        writers.add(w);
        return w;
    }

    /** Runs a command; null when it succeeded, else its output. */
    private static String run(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        if (!p.waitFor(30, SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", cmd) + ": timed out";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }

    private void assertNoBlobVisible() throws Exception {
        assertEquals(0, store.count());
        assertEquals(0, store.usedBytes());
        try (Stream<Path> s = Files.walk(mount.resolve("blobs"))) {
            assertEquals(List.of(), s.filter(Files::isRegularFile).toList());
        }
    }

    @Test
    void writingPastAFullDiskFailsWithStoreFull() throws Exception {
        BlobWriter w = newWriter();
        CompletableFuture<Throwable> handled = new CompletableFuture<>();
        w.exceptionHandler(handled::complete);
        Throwable failure = null;
        for (int i = 0; i < 32 && failure == null; i++) { // up to 8 MiB into 2 MiB
            byte[] chunk = random(i, 256 * 1024);
            Future<Void> f = onContext(ctx, () -> w.write(Buffer.buffer(chunk)));
            failure = f.toCompletionStage().toCompletableFuture()
                    .handle((v, e) -> e).get(StoreTesting.TIMEOUT_SECONDS, SECONDS);
        }
        assertNotNull(failure, "a write failed");
        assertInstanceOf(StoreFullException.class, failure);
        assertInstanceOf(StoreFullException.class, handled.get(StoreTesting.TIMEOUT_SECONDS, SECONDS));
        assertTrue(w.written() <= 2L * MIB, "written " + w.written());
        assertInstanceOf(StoreFullException.class, awaitFailure(onContext(ctx, w::finish)));
        assertNoBlobVisible();

        await(w.abort());
        assertFalse(Files.exists(w.path()));
        try (Stream<Path> s = Files.list(store.tmpDir())) {
            assertEquals(0, s.count());
        }
        assertNoBlobVisible();

        // The space came back: a small file fits again.
        byte[] small = random(99, 100_000);
        BlobWriter again = newWriter();
        BlobDigest d = writeAndFinish(ctx, again, List.of(small));
        await(store.commit(again, d));
        try (ReadLease lease = await(store.lease(d.sha1())); FileChannel ch = lease.channel()) {
            assertArrayEquals(small, readAll(ch));
        }
    }

    @Test
    void pipingPastAFullDiskFails(@TempDir Path src) throws Exception {
        Path file = src.resolve("big.bin");
        Files.write(file, random(7, 4 * MIB));
        BlobWriter w = newWriter();
        AtomicReference<AsyncFile> opened = new AtomicReference<>();
        Throwable pipeFailure = awaitFailure(onContext(ctx, () -> vertx.fileSystem()
                .open(file.toString(), new OpenOptions().setRead(true).setWrite(false))
                .compose(af -> {
                    opened.set(af);
                    af.setReadBufferSize(64 * 1024);
                    return af.pipeTo(w);
                })));
        if (opened.get() != null) {
            opened.get().close();
        }
        assertTrue(causes(pipeFailure).anyMatch(StoreFullException.class::isInstance), "pipe failed: " + pipeFailure);
        assertInstanceOf(StoreFullException.class, w.failure());
        assertInstanceOf(StoreFullException.class, awaitFailure(onContext(ctx, w::finish)));
        await(w.abort());
        assertNoBlobVisible();
        try (Stream<Path> s = Files.list(store.tmpDir())) {
            assertEquals(0, s.count());
        }
    }

    private static Stream<Throwable> causes(Throwable t) {
        return Stream.iterate(t, c -> c != null, Throwable::getCause);
    }
}
