package io.imgfed.transfer.pull;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (found by the chaos suite's disk-full scenario): a source that sends faster than the disk writes
 * has its body paused for the writer; when the disk then filled up, the writer's failure was not listened to,
 * the paused body brought no more bytes and the stall check leaves a paused segment alone, so the pull hung
 * until the source connection idled out. The engine now fails the pull as soon as the writer fails.
 */
class EngineDiskFullTest {
    @TempDir
    Path dir;
    private Path mount;
    private Vertx vertx;
    private BlobStore store;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("tmpfs");
        Files.createDirectories(mount);
        String out = run("mount", "-t", "tmpfs", "-o", "size=4m", "imgfed-test", mount.toString());
        assumeTrue(out == null, "cannot mount a 4 MiB tmpfs here (needs root or CAP_SYS_ADMIN): " + out);
        vertx = Vertx.vertx();
        store = BlobStore.open(vertx, mount).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void unmount() throws Exception {
        if (store != null) {
            store.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (run("umount", mount.toString()) != null) {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void aDiskFillingUnderAPausedFastSourceFailsThePullAtOnce() throws Exception {
        long size = 32L << 20;
        // The reservation is told the disk is roomy (as when something else fills it after the pull started).
        SpaceReservations space = new SpaceReservations(store, 1L << 30, b -> Future.succeededFuture(0L), () -> Long.MAX_VALUE);
        SourcePicker picker = OneSourcePicker.dcA();
        PeerFetcher fetcher = new PeerFetcher() {
            @Override
            public Future<SourceStream> open(SourceCandidate source, String sha1, long offset, long fileSize, String requestId) {
                // As an HTTP response does, the body delivers on the context that asked for it (the transfer's).
                return Future.succeededFuture(TestSource.zeros(io.vertx.core.Vertx.currentContext(), fileSize - offset)
                        .asStream());
            }

            @Override
            public Future<Buffer> pieces(SourceCandidate source, String sha1, int pieceSize, String requestId) {
                return Future.failedFuture(new IllegalStateException("no piece list: the request carries none"));
            }
        };
        TransferPolicy policy = new TransferPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(10), 3, 0,
                Duration.ofSeconds(30));
        TransferEngine engine = new TransferEngine(vertx, "b", store, space, picker, fetcher, policy, new TransferListener() {
        });
        TransferEngine.Obtained o = engine.obtain(new FileRequest("0123456789abcdef0123456789abcdef01234567", size, null,
                null, null, "e7ab08d4-0628-48f0-a1c0-709df147115e", "930896af-bf8c-48d4-885c-6573a94b1853", TransferReason.PROVISION,
                "req-1"));
        Transfer t = o.transfer();
        long t0 = System.nanoTime();
        try {
            t.done().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
            throw new AssertionError("the pull of 32 MiB onto a 4 MiB disk completed");
        } catch (ExecutionException expected) {
            assertTrue(t.failedForStorage(), "failed for lack of room: " + t.error());
        } catch (TimeoutException e) {
            throw new AssertionError("the pull did not end within 15 s of filling the disk (state " + t.state().wireName()
                    + ", " + t.received() + " bytes received)");
        }
        assertTrue(System.nanoTime() - t0 < 15_000_000_000L);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (partialFiles() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(partialFiles() == 0, "the partial file is deleted");
    }

    private long partialFiles() throws Exception {
        try (Stream<Path> s = Files.list(mount.resolve("partial"))) {
            return s.count();
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", cmd) + ": timed out";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
