package io.imgfed.replicator.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.pieces.PieceList;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.PowerLossDir;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.PartialFile;
import io.imgfed.transfer.store.PieceHasher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull's partial file is fsynced as it grows (on its own lane, so the writes never wait for the disk), so a
 * power cut mid-pull costs at most the bytes since the last periodic fsync: the pull resumes from there rather
 * than from zero. Fails when the periodic fsync is missing (the file comes back empty) or never catches up.
 */
class PullPowerLossTest {
    private static final int MIB = 1024 * 1024;
    private static final int SIZE = 40 * MIB;
    private static final long SYNC_EVERY = 16L * MIB;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SHA1 = "cd".repeat(20);

    @TempDir
    Path dir;
    PowerLossDir disk;
    Vertx vertx;

    @BeforeEach
    void mount() {
        disk = PowerLossDir.mount(dir);
        vertx = Vertx.vertx();
    }

    @AfterEach
    void unmount() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aPowerCutMidPullKeepsEverythingUpToTheLastPeriodicFsync() throws Exception {
        byte[] content = new byte[SIZE];
        new Random(13).nextBytes(content);
        PieceHasher h = PieceHasher.building(MIB);
        h.update(ByteBuffer.wrap(content));
        PieceList pieces = h.finish();
        Path data = disk.durableDir("data");

        BlobStore store = await(BlobStore.open(vertx, data));
        Context ctx = vertx.getOrCreateContext();
        PartialFile f = await(store.openPartial(ctx, SHA1, pieces));
        await(onContext(ctx, () -> {
            Future<Void> last = Future.succeededFuture();
            for (int at = 0; at < SIZE; at += 64 * 1024) {
                last = f.write(Buffer.buffer(Arrays.copyOfRange(content, at, at + 64 * 1024)));
            }
            return last;
        }));
        Await.until("every piece verified", TIMEOUT, () -> f.verified() == SIZE);
        Await.until("the periodic fsyncs to catch up with the writes", TIMEOUT, () -> SIZE - f.durable() < SYNC_EVERY);
        long durable = f.durable();

        disk.powerOff();
        store.close();
        disk.powerOn();

        BlobStore after = await(BlobStore.open(vertx, data));
        try {
            PartialFile g = await(after.openPartial(vertx.getOrCreateContext(), SHA1, pieces));
            long kept = g.verified();
            assertTrue(kept >= durable - durable % MIB,
                    "after the power cut the pull resumes from its last fsync (" + durable + " bytes), not from " + kept);
            assertTrue(kept > 0, "something survived");
            byte[] onDisk = Files.readAllBytes(g.path());
            assertArrayEquals(Arrays.copyOf(content, (int) kept), Arrays.copyOf(onDisk, (int) kept),
                    "what survived is the file's first bytes");
            await(onContext(vertx.getOrCreateContext(), () -> g.close(false)));
        } finally {
            after.close();
        }
    }

    private static <T> Future<T> onContext(Context ctx, Supplier<Future<T>> work) {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> work.get().onComplete(p));
        return p.future();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
}
