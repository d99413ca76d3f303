package io.imgfed.replicator.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.federation.trust.PinnedKeys;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.federation.trust.TrustPolicy.Verdict;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.replicator.testkit.ApiAsserts;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.DaemonProcess;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.PowerLossDir;
import io.imgfed.replicator.testkit.RawConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency under a power cut, not only a process kill: the data dir lives on {@link PowerLossDir}, which
 * keeps only what was fsynced (a file's content at its fsync, a directory's names at the directory's fsync). A
 * SIGKILL leaves the kernel's page cache intact, so {@link CrashSafetyTest} would pass with every fsync removed;
 * these tests fail when one that matters is missing. The canary first shows that the disk really forgets.
 */
class PowerLossTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;
    PowerLossDir disk;

    @BeforeEach
    void mount() {
        disk = PowerLossDir.mount(dir);
    }

    @AfterEach
    void unmount() {
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void theDiskKeepsOnlyWhatWasFsynced() throws IOException {
        byte[] a = random(MIB + 1, 1);
        byte[] b = random(MIB + 2, 2);
        byte[] old = random(MIB + 3, 3);
        byte[] next = random(MIB + 4, 4);
        Path noFsync = disk.durableDir("no-fsync");
        Path bothFsyncs = disk.durableDir("both-fsyncs");
        Path noDirFsync = disk.durableDir("rename-without-dir-fsync");
        Path noFileFsync = disk.durableDir("dir-fsync-only");

        writeAndRename(noFsync, a, false, false);
        writeAndRename(bothFsyncs, b, true, true);
        writeAndRename(noDirFsync, old, true, true);
        writeAndRename(noDirFsync, next, true, false);
        Files.write(noFileFsync.resolve("f"), a);
        PowerLossDir.fsync(noFileFsync);
        // Before the cut every program sees every write.
        assertArrayEquals(a, Files.readAllBytes(noFsync.resolve("f")));
        assertArrayEquals(next, Files.readAllBytes(noDirFsync.resolve("f")));
        assertArrayEquals(a, Files.readAllBytes(noFileFsync.resolve("f")));

        disk.powerOff();
        disk.powerOn();

        assertEquals(List.of(), names(noFsync), "a file neither fsynced nor named by a fsynced directory is gone");
        assertEquals(List.of("f"), names(bothFsyncs));
        assertArrayEquals(b, Files.readAllBytes(bothFsyncs.resolve("f")), "file and directory fsynced: kept whole");
        assertEquals(List.of("f"), names(noDirFsync));
        assertArrayEquals(old, Files.readAllBytes(noDirFsync.resolve("f")),
                "a rename whose directory was not fsynced did not happen: the old file is back");
        assertEquals(List.of("f"), names(noFileFsync), "the directory's fsync kept the name");
        assertEquals(0, Files.size(noFileFsync.resolve("f")), "but not the content, which was never fsynced");
    }

    @Test
    void anAcknowledgedImageSurvivesAPowerCutAndAnInterruptedUploadLeavesNothing() throws IOException {
        Path data = disk.durableDir("data");
        int port = FreePorts.next();
        DaemonProcess daemon = DaemonProcess.start(dir.resolve("daemon"), yaml(data, port), port);
        try {
            ImgapiClient api = daemon.client();
            byte[] file = random(16 * MIB + 3, 5);
            String uuid = api.activeImage("survivor", file); // AddImageFile and ActivateImage both answered 200
            byte[] signingKey = Files.readAllBytes(data.resolve("federation/signing.pub"));
            String interrupted = api.create(ImgapiClient.manifest("interrupted", "1.0.0"));

            try (RawConnection up = RawConnection.open("127.0.0.1", port)) {
                up.head("PUT /images/" + interrupted + "/file?compression=none HTTP/1.1\nHost: 127.0.0.1\n"
                        + "Content-Type: application/octet-stream\nContent-Length: " + 32 * MIB + "\n\n");
                up.write(random(8 * MIB, 6));
                Await.until("the interrupted upload's temp file to pass 4 MiB", Duration.ofSeconds(60),
                        () -> tmpBytes(data) >= 4L * MIB);
                disk.powerOff(daemon);
            }
            disk.powerOn();
            daemon.restart();

            JsonNode img = api.get("/images/" + uuid).json();
            assertEquals("active", img.path("state").asText(), "acknowledged activation kept: " + img);
            String sha1 = ImgapiClient.sha1(file);
            assertEquals(sha1, img.path("files").path(0).path("sha1").asText(), img.toString());
            Path blob = data.resolve("blobs").resolve(sha1.substring(0, 2)).resolve(sha1);
            assertTrue(Files.exists(blob), "the committed file is in the store: " + ApiAsserts.blobFiles(data));
            assertArrayEquals(file, Files.readAllBytes(blob), "the committed file is whole on disk");
            Response got = api.get("/images/" + uuid + "/file");
            assertEquals(200, got.status(), got.toString());
            assertEquals(ImgapiClient.md5Base64(file), got.header("Content-MD5"), "the stored md5 is the original's");
            assertArrayEquals(file, got.body(), "the acknowledged file is served whole (daemon log: " + daemon.log()
                    + ", file system log: " + disk.log() + ")");

            JsonNode x = api.get("/images/" + interrupted).json();
            assertEquals("unactivated", x.path("state").asText(), "the acknowledged CreateImage was kept: " + x);
            assertTrue(x.path("files").isEmpty(), "the interrupted upload left no file: " + x);
            assertEquals(List.of(), ApiAsserts.tmpFiles(data), "<data>/tmp is empty");
            assertEquals(Set.of(sha1), ApiAsserts.blobFiles(data),
                    "the store holds exactly the acknowledged file");
            assertArrayEquals(signingKey, Files.readAllBytes(data.resolve("federation/signing.pub")),
                    "the DC signs with the key it announced before the cut");
        } finally {
            daemon.close();
        }
    }

    @Test
    void theSigningKeyAndThePinnedKeysSurviveAPowerCut() throws IOException {
        Path state = disk.durableDir("data").resolve("federation");
        SigningIdentity self = SigningIdentity.loadOrGenerate("dc-a", state);
        PinnedKeys pins = PinnedKeys.load(state, self);
        PublicKey b = Ed25519.generate().getPublic();
        assertTrue(pins.admit(new KeyRecord("dc-b", b.getEncoded(), null)).accepted(), "dc-b pinned on first use");

        disk.powerOff();
        disk.powerOn();

        SigningIdentity again = SigningIdentity.loadOrGenerate("dc-a", state);
        assertArrayEquals(self.publicKey().getEncoded(), again.publicKey().getEncoded(),
                "the signing key generated before the cut is the one loaded after it");
        PinnedKeys pinsAgain = PinnedKeys.load(state, again);
        Verdict impostor = pinsAgain.admit(new KeyRecord("dc-b", Ed25519.generate().getPublic().getEncoded(), null));
        assertFalse(impostor.accepted(), "dc-b's pin survived the cut, so another key for dc-b is refused");
        assertEquals("key_mismatch", impostor.rejectReason());
        assertTrue(pinsAgain.admit(new KeyRecord("dc-b", b.getEncoded(), null)).accepted());
    }

    /** Writes {@code <dir>/f.tmp} and renames it to {@code <dir>/f}, with or without the two fsyncs of a commit. */
    private static void writeAndRename(Path dir, byte[] content, boolean fsyncFile, boolean fsyncDir) throws IOException {
        Path tmp = dir.resolve("f.tmp");
        Files.write(tmp, content);
        if (fsyncFile) {
            PowerLossDir.fsync(tmp);
        }
        Files.move(tmp, dir.resolve("f"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (fsyncDir) {
            PowerLossDir.fsync(dir);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long tmpBytes(Path data) {
        try (Stream<Path> s = Files.list(data.resolve("tmp"))) {
            return s.mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String yaml(Path dataDir, int httpPort) {
        return "dc: powerloss\n"
                + "data: {dir: " + dataDir + "}\n"
                + "http: {port: " + httpPort + "}\n"
                + "peer: {port: 0}\n"
                + "federation: {port: " + FreePorts.next() + "}\n";
    }
}
