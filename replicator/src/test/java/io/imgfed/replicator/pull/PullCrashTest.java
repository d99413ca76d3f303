package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.billing.TransferEvent;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PartialFiles;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.billing.Outbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DC killed (SIGKILL) in the middle of a pull keeps no partial file and pulls again on demand, and bills the
 * bytes the killed pull had moved. (Regression found by the chaos suite's kill-destination scenario: a transfer's
 * events were written only when it ended, which a killed daemon never reaches, so those bytes went unbilled.)
 */
class PullCrashTest {
    @TempDir
    Path dir;

    @Test
    void killedMidPullLeavesNoPartialFileAndPullsAgainAfterRestart() throws Exception {
        TestFederation fed = TestFederation.builder(dir)
                .dc("a", "")
                .external("b", "transfer: {rateLimit: 2097152}")
                .start();
        try (DaemonProcess b = DaemonProcess.start(dir.resolve("b-process"), fed.yaml("b"), fed.httpPort("b"))) {
            byte[] file = new byte[16 << 20];
            new Random(61).nextBytes(file);
            String uuid = fed.client("a").activeImage("crash", file);
            ImgapiClient atB = fed.client("b");
            fed.awaitHolding("b", uuid, "a");

            CompletableFuture.runAsync(() -> {
                try {
                    atB.getDigest("/images/" + uuid + "/file");
                } catch (RuntimeException expected) {
                    // the daemon dies under this request
                }
            });
            Path tmp = fed.dataDir("b").resolve("tmp");
            // Past the first burst (socket buffers filling), so that the pull has run for a few progress intervals.
            Await.until("b's partial file has grown past 4 MiB", Duration.ofSeconds(20), () -> PartialFiles.bytes(tmp) > 4 << 20);
            long writtenBeforeKill = PartialFiles.bytes(tmp);
            b.kill9();

            b.restart();
            assertEquals(0, PartialFiles.bytes(tmp), "temp files are gone after the restart");
            String sha1 = ImgapiClient.sha1(file);
            assertFalse(Files.exists(fed.dataDir("b").resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1)),
                    "nothing unverified was committed");
            ImgapiClient.Digested again = atB.getDigest("/images/" + uuid + "/file");
            assertEquals(200, again.status());
            assertEquals(sha1, again.sha1());
            assertEquals("miss", again.header("X-Imgfed-Cache"), "the pull started over on demand");

            b.terminate(Duration.ofSeconds(30));
            Map<TransferEvent.Type, Long> billed = billedBytes(fed.dataDir("b").resolve("outbox"), uuid);
            assertEquals(file.length, billed.get(TransferEvent.Type.COMPLETED), "the second pull is billed in full");
            long interrupted = billed.getOrDefault(TransferEvent.Type.FAILED, 0L);
            // Checkpoints come with progress, a few times a second: at 2 MiB/s one may lag the disk by up to 1 MiB.
            assertTrue(interrupted >= writtenBeforeKill - (1 << 20) && interrupted < file.length,
                    "the killed pull is billed as failed with the bytes it moved: " + interrupted + " billed, "
                            + writtenBeforeKill + " were on disk at the kill");
        } finally {
            fed.close();
        }
    }

    /** Bytes of an image's billing events waiting in an outbox, by type; every event id once. */
    private static Map<TransferEvent.Type, Long> billedBytes(Path outboxDir, String uuid) throws IOException {
        Map<TransferEvent.Type, Long> bytes = new HashMap<>();
        Set<String> ids = new java.util.HashSet<>();
        try (Outbox outbox = Outbox.open(outboxDir)) {
            List<Outbox.Entry> pending = outbox.pending(0, 1000, Set.of());
            for (Outbox.Entry e : pending) {
                TransferEvent ev = TransferEvent.fromJson(e.payload());
                if (ev.imageUuid().equals(uuid)) {
                    assertTrue(ids.add(ev.eventId()), "event " + ev.eventId() + " appended twice");
                    bytes.merge(ev.type(), ev.bytes(), Long::sum);
                }
            }
        }
        return bytes;
    }
}
