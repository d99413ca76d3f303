package io.imgfed.transfer.billing;

import static io.imgfed.transfer.billing.OutboxTest.event;
import static io.imgfed.transfer.billing.OutboxTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox on a small file system of its own (a tmpfs) that fills up and frees again: an append that cannot be made fails whole, and every event acknowledged before or after it is there after a
 * restart. On the old hand-written outbox a failed append left a partial frame, later events were written after
 * it, and at restart the torn-tail repair cut everything after the first bad frame, fsynced events included.
 */
class OutboxFaultTest {
    @TempDir
    Path dir;
    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("tmpfs");
        Files.createDirectories(mount);
        String out = run("mount", "-t", "tmpfs", "-o", "size=2m", "imgfed-outbox-test", mount.toString());
        mounted = out == null;
        assumeTrue(mounted, "cannot mount a 2 MiB tmpfs here (needs root or CAP_SYS_ADMIN): " + out);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted && run("umount", mount.toString()) != null) {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void aFullDiskFailsAppendsWholeAndLosesNothingAcknowledged() throws Exception {
        Path outboxDir = mount.resolve("outbox");
        List<String> acknowledged = new ArrayList<>();
        Path filler = mount.resolve("filler");
        try (Outbox o = Outbox.open(outboxDir)) {
            for (int i = 0; i < 20; i++) {
                o.append(List.of(event(i))).get(10, TimeUnit.SECONDS);
                acknowledged.add("id-" + i);
            }
            fill(filler);
            // Appends now fail, each whole; some may still fit in pages SQLite already has: those count as acknowledged.
            int failed = 0;
            for (int i = 100; i < 160; i++) {
                try {
                    o.append(List.of(event(i), event(i + 1000))).get(10, TimeUnit.SECONDS);
                    acknowledged.add("id-" + i);
                    acknowledged.add("id-" + (i + 1000));
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            assertTrue(failed > 0, "a full disk must fail some appends");
            Files.delete(filler);
            for (int i = 200; i < 220; i++) {
                o.append(List.of(event(i))).get(10, TimeUnit.SECONDS);
                acknowledged.add("id-" + i);
            }
            assertEquals(acknowledged, ids(o));
        }
        try (Outbox o = Outbox.open(outboxDir)) {
            assertEquals(acknowledged, ids(o), "every acknowledged event, in order, and nothing of a failed append");
            assertEquals(acknowledged.size(), o.pendingCount());
        }
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

    /** Runs a command; null when it succeeded, else its output. */
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
