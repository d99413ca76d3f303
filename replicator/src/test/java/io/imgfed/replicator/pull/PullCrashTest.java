package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DC killed (SIGKILL) in the middle of a pull keeps no partial file and pulls again on demand. */
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
            Await.until("b's partial file has grown past 2 MiB", Duration.ofSeconds(20), () -> partBytes(tmp) > 2 << 20);
            b.kill9();

            b.restart();
            assertEquals(0, partBytes(tmp), "temp files are gone after the restart");
            String sha1 = ImgapiClient.sha1(file);
            assertFalse(Files.exists(fed.dataDir("b").resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1)),
                    "nothing unverified was committed");
            ImgapiClient.Digested again = atB.getDigest("/images/" + uuid + "/file");
            assertEquals(200, again.status());
            assertEquals(sha1, again.sha1());
            assertEquals("miss", again.header("X-Imgfed-Cache"), "the pull started over on demand");
        } finally {
            fed.close();
        }
    }

    private static long partBytes(Path tmp) {
        if (!Files.isDirectory(tmp)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException gone) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
