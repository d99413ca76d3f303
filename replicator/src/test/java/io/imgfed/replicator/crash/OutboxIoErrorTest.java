package io.imgfed.replicator.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.PowerLossDir;
import io.imgfed.transfer.billing.Outbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The billing outbox on a disk that starts failing every write and fsync with EIO, then works again: appends fail
 * whole while it fails (none is acknowledged that is not on the disk), the same outbox takes events again once the
 * disk is back, without a restart, and after a power cut every acknowledged event is there and nothing else.
 */
class OutboxIoErrorTest {
    @TempDir
    Path dir;

    @Test
    void appendsFailWholeWhileTheDiskFailsAndEveryAcknowledgedEventSurvivesAPowerCut() throws Exception {
        try (PowerLossDir disk = PowerLossDir.mount(dir)) {
            Path outboxDir = disk.durableDir("outbox");
            List<String> acknowledged = new ArrayList<>();
            int failed = 0;
            try (Outbox o = Outbox.open(outboxDir)) {
                for (int i = 0; i < 10; i++) {
                    append(o, acknowledged, i);
                }
                disk.failIo(true);
                try {
                    for (int i = 100; i < 110; i++) {
                        if (!append(o, acknowledged, i)) {
                            failed++;
                        }
                    }
                } finally {
                    disk.failIo(false);
                }
                assertTrue(failed > 0, "a disk failing every write must fail appends");
                for (int i = 200; i < 210; i++) {
                    assertTrue(append(o, acknowledged, i), "the outbox takes events again once the disk works");
                }
                assertEquals(acknowledged, ids(o));
            }
            disk.powerOffKilling();
            disk.powerOn();
            try (Outbox o = Outbox.open(outboxDir)) {
                assertEquals(acknowledged, ids(o),
                        "after a power cut: every acknowledged event, in order, and nothing of a failed append ("
                                + failed + " failed); file system log " + disk.log());
            }
        }
    }

    /** Appends events i and i + 1000 together; true (and both noted as acknowledged) when the outbox took them. */
    private static boolean append(Outbox o, List<String> acknowledged, int i) throws InterruptedException, TimeoutException {
        try {
            o.append(List.of(event(i), event(i + 1000))).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return false;
        }
        acknowledged.add("id-" + i);
        acknowledged.add("id-" + (i + 1000));
        return true;
    }

    private static Outbox.Event event(int i) {
        return new Outbox.Event("id-" + i, "owner",
                ("{\"event_id\":\"id-" + i + "\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> ids(Outbox o) throws Exception {
        List<String> out = new ArrayList<>();
        for (Outbox.Entry e : o.pending(Integer.MAX_VALUE / 2, Set.of())) {
            String s = new String(e.payload(), StandardCharsets.UTF_8);
            out.add(s.substring(s.indexOf("id-"), s.indexOf('"', s.indexOf("id-"))));
        }
        return out;
    }
}
