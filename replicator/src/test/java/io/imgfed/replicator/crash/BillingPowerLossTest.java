package io.imgfed.replicator.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PartialFiles;
import io.imgfed.replicator.testkit.PowerLossDir;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.billing.Outbox;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DC b's data dir and billing outbox on a disk that loses power: the events of transfers b had answered in full
 * are there after the cut (the outbox commits with fsync before a transfer counts as done), and a pull cut in the
 * middle is taken up again after the restart, its partial file checked again piece by piece, and billed once.
 * A SIGKILL proves none of this, since the page cache outlives the process; a power cut drops what was not synced.
 */
class BillingPowerLossTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void billedTransfersAndAPullCutMidwaySurviveAPowerCut() throws Exception {
        try (PowerLossDir disk = PowerLossDir.mount(dir)) {
            Path dataB = disk.durableDir("b");
            TestFederation fed = TestFederation.builder(dir.resolve("fed"))
                    .dc("a", "")
                    .external("b", "data: {dir: \"" + dataB + "\"}\ntransfer: {rateLimit: 8388608}")
                    .start();
            DaemonProcess b = DaemonProcess.start(dir.resolve("b-process"), fed.yaml("b"), fed.httpPort("b"));
            try {
                ImgapiClient atB = fed.client("b");
                byte[] done = new byte[3 * MIB];
                new Random(1).nextBytes(done);
                String doneUuid = fed.client("a").activeImage("billed-before-the-cut", done);
                fed.awaitHolding("b", doneUuid, "a");
                assertEquals(ImgapiClient.sha1(done), atB.getDigest("/images/" + doneUuid + "/file").sha1());

                byte[] cut = new byte[32 * MIB];
                new Random(2).nextBytes(cut);
                String cutUuid = fed.client("a").activeImage("cut-midway", cut);
                fed.awaitHolding("b", cutUuid, "a");
                CompletableFuture.runAsync(() -> {
                    try {
                        atB.getDigest("/images/" + cutUuid + "/file");
                    } catch (RuntimeException expected) {
                        // the power goes under this request
                    }
                });
                Await.until("b's pull of the second file is past 20 MiB", Duration.ofSeconds(60),
                        () -> PartialFiles.pulling(dataB) > 20L * MIB);
                disk.powerOff(b);
                disk.powerOn();
                b.restart();

                ImgapiClient.Digested after = atB.getDigest("/images/" + cutUuid + "/file");
                assertEquals(200, after.status());
                assertEquals(ImgapiClient.sha1(cut), after.sha1(), "the resumed file is whole and right");
                b.terminate(Duration.ofSeconds(30));

                Map<String, Long> billed = completedBytes(dataB.resolve("outbox"));
                assertEquals((long) done.length, billed.get(doneUuid), "the transfer answered before the cut is billed: "
                        + billed + " (log " + b.log() + ")");
                assertTrue(billed.getOrDefault(cutUuid, 0L) >= cut.length / 2,
                        "the pull cut midway is billed once, as one completed transfer: " + billed);
            } finally {
                b.close();
                fed.close();
            }
        }
    }

    /** Completed bytes per image in an outbox; fails on an event id seen twice or a failed event. */
    private static Map<String, Long> completedBytes(Path outbox) throws IOException {
        Map<String, Long> out = new HashMap<>();
        Set<String> ids = new HashSet<>();
        try (Outbox o = Outbox.open(outbox)) {
            for (Outbox.Entry e : o.pending(10_000, Set.of())) {
                TransferEvent ev = TransferEvent.fromJson(e.payload());
                assertTrue(ids.add(ev.eventId()), "event " + ev.eventId() + " twice");
                assertEquals(TransferEvent.Type.COMPLETED, ev.type(), "no transfer failed: " + ev);
                out.merge(ev.imageUuid(), ev.bytes(), Long::sum);
            }
        }
        return out;
    }
}
