package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.devtools.DelayProxy;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PartialFiles;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.billing.Outbox;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DC killed (SIGKILL) half-way through a pull takes it up again after its restart, from the bytes its partial
 * file holds that check out, under the same transfer: the bytes that crossed stay within 1.15x the file's size
 * (counted by the link, not by imgfed), and the whole transfer is billed once, as one completed event, with every
 * byte that moved. Before, the partial file was deleted at restart and the whole file pulled again (1.64x crossed
 * and billed), and the killed pull was billed as a failed transfer beside the new one.
 */
class PullCrashTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aPullKilledHalfWayResumesAfterTheRestartAndIsBilledOnce() throws Exception {
        int peerA = FreePorts.next();
        try (DelayProxy link = DelayProxy.start("127.0.0.1", peerA, Duration.ZERO)) {
            // The link, not b, sets the pace: b reads what arrives, so little sits in its socket when it dies.
            link.bandwidth(16L * MIB);
            TestFederation fed = TestFederation.builder(dir)
                    .dc("a", "peer: {port: " + peerA + ", advertise: \"" + link.address() + "\"}")
                    .external("b", "")
                    .start();
            try (DaemonProcess b = DaemonProcess.start(dir.resolve("b-process"), fed.yaml("b"), fed.httpPort("b"))) {
                byte[] file = new byte[64 * MIB];
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
                Path dataB = fed.dataDir("b");
                Await.until("b's partial file has passed half the file", Duration.ofSeconds(60),
                        () -> PartialFiles.pulling(dataB) > file.length / 2);
                b.kill9();
                long beforeRestart = link.bytesForwarded();
                assertTrue(PartialFiles.pulling(dataB) > file.length / 2, "the partial file survives the kill");

                b.restart();
                ImgapiClient.Digested again = atB.getDigest("/images/" + uuid + "/file");
                assertEquals(200, again.status());
                assertEquals(ImgapiClient.sha1(file), again.sha1());
                long crossed = link.bytesForwarded();
                assertTrue(crossed <= file.length * 1.15, "resumed, not pulled again: " + crossed + " bytes crossed for "
                        + file.length + " (" + beforeRestart + " before the restart)");

                b.terminate(Duration.ofSeconds(30));
                List<TransferEvent> events = events(dataB.resolve("outbox"), uuid);
                assertEquals(1, events.size(), "one transfer, one source, one event: " + events);
                TransferEvent e = events.get(0);
                assertEquals(TransferEvent.Type.COMPLETED, e.type());
                assertTrue(e.bytes() >= file.length - MIB && e.bytes() <= crossed,
                        "billed with the bytes before and after the restart: " + e.bytes() + " billed, " + crossed
                                + " crossed");
            } finally {
                fed.close();
            }
        }
    }

    /**
     * Through a link that drops every connection after 3 MiB, a 16 MiB pull completes: each attempt makes progress,
     * and the attempt cap counts only attempts that brought no new byte. Before, it "gave up after 3 attempts".
     */
    @Test
    void aLinkThatKeepsDroppingStillCompletesAPullThatMakesProgress() throws Exception {
        int peerA = FreePorts.next();
        try (DelayProxy link = DelayProxy.start("127.0.0.1", peerA, Duration.ZERO)) {
            link.dropEachConnectionAfter(3L * MIB);
            try (TestFederation fed = TestFederation.builder(dir)
                    .dc("a", "peer: {port: " + peerA + ", advertise: \"" + link.address() + "\"}")
                    .dc("b", "transfer: {retry: {initial: 50ms, max: 200ms, attempts: 3}}")
                    .start()) {
                byte[] file = new byte[16 * MIB];
                new Random(62).nextBytes(file);
                String uuid = fed.client("a").activeImage("flaky-link", file);
                fed.awaitHolding("b", uuid, "a");
                ImgapiClient.Digested got = fed.client("b").getDigest("/images/" + uuid + "/file");
                assertEquals(200, got.status(), () -> "transfers: " + fed.client("b").get("/transfers").text());
                assertEquals(ImgapiClient.sha1(file), got.sha1());
                long attempts = fed.client("b").get("/transfers").json().path(0).path("attempts").asLong();
                assertTrue(attempts > 3, "it took more attempts than the cap, each one progressing: " + attempts);
            }
        }
    }

    /** An image's billing events in an outbox; every event id once. */
    private static List<TransferEvent> events(Path outboxDir, String uuid) throws IOException {
        List<TransferEvent> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try (Outbox outbox = Outbox.open(outboxDir)) {
            for (Outbox.Entry e : outbox.pending(10_000, Set.of())) {
                TransferEvent ev = TransferEvent.fromJson(e.payload());
                if (uuid.equals(ev.imageUuid())) {
                    assertTrue(ids.add(ev.eventId()), "event " + ev.eventId() + " appended twice");
                    out.add(ev);
                }
            }
        }
        return out;
    }
}
