package io.imgfed.replicator.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PromMetrics;
import io.imgfed.replicator.testkit.TestFederation;
import io.imgfed.transfer.billing.Outbox;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DC b's billing outbox on a small file system of its own that fills up while b pulls, Kafka down, then frees
 * again, then b restarts: every download served whole is billed, once. Before, appends that failed left partial
 * frames, the restart's repair cut acknowledged events with them, and transfers whose append failed were billed
 * nothing (13 downloads served, 11 billed). Now a pull in flight finishes and its events wait in memory; no new
 * pull starts meanwhile (503 with Retry-After, {@code /readyz} and the metric say why); once the outbox takes the
 * held events, pulls start again.
 */
class OutboxFullTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("outbox-fs");
        Files.createDirectories(mount);
        String out = run("mount", "-t", "tmpfs", "-o", "size=1m", "imgfed-outbox", mount.toString());
        mounted = out == null;
        assumeTrue(mounted, "cannot mount a 1 MiB tmpfs here (needs root or CAP_SYS_ADMIN): " + out);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted && run("umount", mount.toString()) != null) {
            run("umount", "-l", mount.toString());
        }
    }

    private static byte[] file(int seed) {
        byte[] f = new byte[2 << 20];
        new Random(seed).nextBytes(f);
        return f;
    }

    @Test
    void aFullOutboxStopsNewPullsHoldsTheEventsOfRunningOnesAndBillsEveryDownloadOnce() throws Exception {
        Path outbox = mount.resolve("outbox");
        try (TestFederation fed = TestFederation.builder(dir)
                .dc("a", "")
                .dc("b", "billing: {outbox: \"" + outbox + "\"}")
                .start()) {
            ImgapiClient atB = fed.client("b");
            List<String> served = new ArrayList<>();
            List<String> images = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] f = file(80 + i);
                String uuid = fed.client("a").activeImage("billed-" + i, f);
                fed.awaitHolding("b", uuid, "a");
                images.add(uuid);
            }
            assertEquals(200, atB.getDigest("/images/" + images.get(0) + "/file").status());
            served.add(images.get(0));

            Path filler = mount.resolve("filler");
            fill(filler);
            // A pull started now finishes and is served whole; its event cannot be appended and waits in memory.
            ImgapiClient.Digested second = atB.getDigest("/images/" + images.get(1) + "/file");
            assertEquals(200, second.status());
            served.add(images.get(1));
            Await.until("b holds the event in memory", CONVERGE,
                    () -> PromMetrics.scrape(atB).value("imgfed_billing_held_events") >= 1);

            ImgapiClient.Response refused = atB.get("/images/" + images.get(2) + "/file");
            assertEquals(503, refused.status(), refused.toString());
            assertNotNull(refused.header("Retry-After"));
            assertTrue(refused.json().path("message").asText().contains("billing outbox"), refused.toString());
            ImgapiClient.Response ready = atB.get("/readyz");
            assertEquals(503, ready.status());
            assertTrue(ready.text().contains("billing outbox cannot take events"), ready.text());
            assertEquals(1.0, PromMetrics.scrape(atB).value("imgfed_billing_outbox_failing"));

            Files.delete(filler);
            Await.until("the held events reach the outbox", CONVERGE,
                    () -> PromMetrics.scrape(atB).value("imgfed_billing_held_events") == 0);
            assertEquals(200, atB.get("/readyz").status());
            assertEquals(200, atB.getDigest("/images/" + images.get(2) + "/file").status());
            served.add(images.get(2));

            fed.stopDc("b");
            Map<String, Long> billed = billedBytes(outbox);
            for (String uuid : served) {
                assertEquals(2L << 20, billed.getOrDefault(uuid, 0L), "download of " + uuid + " billed once, in full: " + billed);
            }
        }
    }

    /** Completed bytes per image in an outbox; fails on an event id seen twice. */
    private static Map<String, Long> billedBytes(Path outbox) throws IOException {
        Map<String, Long> out = new HashMap<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        try (Outbox o = Outbox.open(outbox)) {
            for (Outbox.Entry e : o.pending(10_000, Set.of())) {
                TransferEvent ev = TransferEvent.fromJson(e.payload());
                assertTrue(ids.add(ev.eventId()), "event id " + ev.eventId() + " twice");
                if (ev.type() == TransferEvent.Type.COMPLETED) {
                    out.merge(ev.imageUuid(), ev.bytes(), Long::sum);
                }
            }
        }
        return out;
    }

    /** Fills the file system to its last byte. */
    private static void fill(Path filler) throws IOException {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (true) {
                b.clear();
                try {
                    ch.write(b);
                } catch (IOException full) {
                    return;
                }
            }
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", cmd) + ": timed out";
        }
        return p.exitValue() == 0 ? null : new String(out);
    }
}
