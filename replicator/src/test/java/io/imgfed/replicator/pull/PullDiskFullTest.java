package io.imgfed.replicator.pull;

import static io.imgfed.replicator.testkit.ApiAsserts.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PartialFiles;
import io.imgfed.replicator.testkit.TestFederation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression found by the chaos suite's disk-full scenario, with DC b's data dir on an 8 MiB tmpfs (its
 * data.capacity is far larger, so the disk runs out first): a pull larger than the disk's free space started
 * anyway, the requester got 200 and then a connection cut half-way when the disk filled. It is now refused
 * before the first byte with 507, and evicts no cached file when that would not make room anyway. And a disk that fills up during a pull (something else wrote to it) ends the
 * pull promptly, never with a complete body, and the pull succeeds once there is room again. (That such a pull
 * fails at once even when the source outpaces the disk is {@code EngineDiskFullTest} in the transfer module.)
 */
class PullDiskFullTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    private Path mount;
    private TestFederation fed;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("b");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "imgfed-test", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
                "cannot mount an 8 MiB tmpfs here (needs root or CAP_SYS_ADMIN): " + out);
        fed = TestFederation.builder(dir)
                .dc("a", "")
                .dc("b", "data: {capacity: 1GiB}\ntransfer: {rateLimit: 1048576, stallTimeout: 30s}")
                .start();
    }

    @AfterEach
    void unmount() throws Exception {
        if (fed != null) {
            fed.close();
        }
        new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void aPullLargerThanTheFreeDiskIsRefusedWith507BeforeAnyByteAndEvictsNothing() {
        byte[] cached = random(MIB, 3);
        String cachedUuid = fed.client("a").activeImage("cached-at-b", cached);
        fed.awaitHolding("b", cachedUuid, "a");
        assertEquals(200, fed.client("b").getDigest("/images/" + cachedUuid + "/file").status());
        byte[] file = random(12 * MIB, 1);
        String uuid = fed.client("a").activeImage("too-big-for-b", file);
        fed.awaitHolding("b", uuid, "a");
        long t0 = System.nanoTime();
        ImgapiClient.Response r = fed.client("b").get("/images/" + uuid + "/file");
        assertError(r, 507, "InsufficientStorage");
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "answered after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertEquals(0, PartialFiles.bytes(mount), "nothing was written");
        assertFalse(Files.exists(blob(ImgapiClient.sha1(file))));
        // Evicting the cached file would not have made room for the large one: it must stay.
        assertTrue(Files.exists(blob(ImgapiClient.sha1(cached))), "a cached file was evicted for a pull refused anyway");
    }

    @Test
    void aDiskThatFillsDuringAPullFailsThePullAtOnceAndAFreedDiskPullsAgain() throws Exception {
        byte[] file = random(5 * MIB, 2);
        String uuid = fed.client("a").activeImage("fits-at-first", file);
        fed.awaitHolding("b", uuid, "a");
        ImgapiClient atB = fed.client("b");
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                ImgapiClient.Digested d = atB.getDigest("/images/" + uuid + "/file");
                return d.status() + " " + d.sha1();
            } catch (RuntimeException e) {
                return "failed: " + e;
            }
        });
        Await.until("b's pull to pass 1 MiB", Duration.ofSeconds(20), () -> PartialFiles.bytes(mount) > MIB);
        Path filler = mount.resolve("filler");
        fill(filler);
        long filled = System.nanoTime();
        String outcome = first.get(60, TimeUnit.SECONDS);
        long seconds = (System.nanoTime() - filled) / 1_000_000_000L;
        assertTrue(seconds < 20, "the pull ended " + seconds + " s after the disk filled");
        assertFalse(outcome.equals("200 " + ImgapiClient.sha1(file)), "a complete body while the disk was full");
        Await.until("b's partial file to be deleted", Duration.ofSeconds(10), () -> PartialFiles.bytes(mount) == 0);
        assertFalse(Files.exists(blob(ImgapiClient.sha1(file))));

        Files.delete(filler);
        // The failed pull's billing event may have found the outbox full too: then it waited in memory, and new pulls
        // were refused until the outbox took it. With room again, that clears by itself.
        Await.until("b is ready again", Duration.ofSeconds(30), () -> atB.get("/readyz").status() == 200);
        ImgapiClient.Digested again = atB.getDigest("/images/" + uuid + "/file");
        assertEquals(200, again.status());
        assertEquals(ImgapiClient.sha1(file), again.sha1());
    }

    /** Writes to {@code f} until the tmpfs is full. */
    private static void fill(Path f) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(f)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }

    private Path blob(String sha1) {
        return mount.resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
