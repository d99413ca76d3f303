package io.imgfed.transfer.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transfer.maxConcurrent}: with one slot, a second pull waits queued, without touching its source, until the
 * first ends; then it takes the slot and completes; a third queued behind it follows in turn.
 */
class EngineSlotsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private Vertx vertx;
    private BlobStore store;

    @BeforeEach
    void open() throws Exception {
        vertx = Vertx.vertx();
        store = BlobStore.open(vertx, dir).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void withOneSlotPullsRunOneAfterAnotherInArrivalOrder() throws Exception {
        Map<String, byte[]> files = new ConcurrentHashMap<>();
        Map<String, Promise<Void>> released = new ConcurrentHashMap<>();
        Map<String, Promise<Void>> opened = new ConcurrentHashMap<>();
        PeerFetcher fetcher = new PeerFetcher() {
            @Override
            public Future<SourceStream> open(SourceCandidate source, String sha1, long offset, long size, String requestId) {
                opened.computeIfAbsent(sha1, k -> Promise.promise()).tryComplete();
                // The source sends the file only once the test lets it: the transfer holds its slot until then.
                TestSource body = TestSource.gated(io.vertx.core.Vertx.currentContext(),
                        Buffer.buffer(files.get(sha1)).slice((int) offset, (int) size));
                released.computeIfAbsent(sha1, k -> Promise.promise()).future().onSuccess(v -> body.open());
                return Future.succeededFuture(body.asStream());
            }

            @Override
            public Future<Buffer> pieces(SourceCandidate source, String sha1, int pieceSize, String requestId) {
                return Future.failedFuture(new IllegalStateException("no piece list: the requests carry none"));
            }
        };
        SourcePicker picker = OneSourcePicker.dcA();
        SpaceReservations space = new SpaceReservations(store, 1L << 30, b -> Future.succeededFuture(0L), () -> Long.MAX_VALUE);
        TransferPolicy policy = new TransferPolicy(1, Duration.ofSeconds(1), Duration.ofSeconds(10), 3, 0,
                Duration.ofSeconds(30));
        TransferEngine engine = new TransferEngine(vertx, "b", store, space, picker, fetcher, policy, new TransferListener() {
        });

        Transfer[] t = new Transfer[3];
        String[] sha1 = new String[3];
        for (int i = 0; i < 3; i++) {
            byte[] content = new byte[100_000 + i];
            new Random(i).nextBytes(content);
            sha1[i] = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
            files.put(sha1[i], content);
            t[i] = engine.obtain(new FileRequest(sha1[i], content.length, null, null, null,
                    "e7ab08d4-0628-48f0-a1c0-709df14711" + (10 + i), "930896af-bf8c-48d4-885c-6573a94b1853",
                    TransferReason.PROVISION, "req-" + i)).transfer();
        }
        await(opened.computeIfAbsent(sha1[0], k -> Promise.promise()).future());
        assertEquals(Transfer.State.QUEUED, t[1].state(), "the second waits for the slot");
        assertEquals(Transfer.State.QUEUED, t[2].state(), "the third waits behind it");
        assertEquals(null, opened.get(sha1[1]), "a queued pull does not touch its source");

        for (int i = 0; i < 3; i++) {
            released.computeIfAbsent(sha1[i], k -> Promise.promise()).tryComplete();
            await(t[i].done());
            assertEquals(Transfer.State.COMPLETED, t[i].state());
            assertArrayEquals(files.get(sha1[i]), Files.readAllBytes(store.blobPath(sha1[i])));
            if (i < 2) {
                // pull i + 2 takes the freed slot
                await(opened.computeIfAbsent(sha1[i + 1], k -> Promise.promise()).future());
                if (i == 0) {
                    assertEquals(Transfer.State.QUEUED, t[2].state(), "the third still waits: one slot");
                }
            }
        }
    }

    private static void await(Future<?> f) throws Exception {
        f.toCompletionStage().toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
}
