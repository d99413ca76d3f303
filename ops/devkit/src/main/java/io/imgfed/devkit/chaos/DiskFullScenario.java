package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devkit.chaos.Images.Image;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Disk full on the destination: eu's data dir is a 64 MiB tmpfs (its data.capacity is far larger, so the disk,
 * not the cache limit, runs out). eu holds an image of its own and a pulled one; a file larger than the free
 * space is requested. It is refused before its first byte (507 InsufficientStorage with a JSON message, never a
 * 200 cut short), no cached file is evicted for it, no blob is corrupted and tmp is empty; after the image homed
 * in eu is deleted, the same pull succeeds.
 */
final class DiskFullScenario extends Scenario {
    private static final int TMPFS_MIB = 64;

    DiskFullScenario() {
        super("disk-full",
                "disk full on the destination (64 MiB tmpfs data dir): clear error, no corruption, recovery");
    }

    @Override
    String cannotRun(ChaosRun run) {
        return "root".equals(System.getProperty("user.name")) ? null : "needs root to mount a tmpfs";
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        Path mount = run.workDir().resolve(name()).resolve("eu-tmpfs");
        Files.createDirectories(mount);
        Shell.must("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_MIB + "m,mode=0755", "imgfed-chaos-tmpfs", mount.toString());
        run.ledger().add("mount", mount.toString());
        r.figure("eu_data_dir", "tmpfs of " + TMPFS_MIB + " MiB");
        try (Cluster c = new Cluster(run, name(), "east", "eu").dataDir("eu", mount).start()) {
            DcProcess east = c.dc("east");
            DcProcess eu = c.dc("eu");
            Image filler = Images.publish(run, eu, "df-homed-in-eu", Images.file(28 << 20, 501));
            Image small = Images.publish(run, east, "df-small", Images.file(2 << 20, 502));
            Image big = Images.publish(run, east, "df-big", Images.file(40 << 20, 503));
            KillSourceScenario.awaitHolders(eu, small, List.of("east"));
            KillSourceScenario.awaitHolders(eu, big, List.of("east"));
            Http.Download s = eu.download(small.uuid(), Duration.ofSeconds(30));
            if (!s.matches(small.sha1(), small.md5(), small.size())) {
                throw new IllegalStateException("eu could not pull the small image: " + s);
            }
            long free = usable(mount);
            r.figure("eu_free_bytes_before", free);
            r.figure("requested_file_bytes", big.size());
            r.check("precondition: the requested file is larger than eu's free space", big.size() > free,
                    mib(big.size()) + " requested, " + mib(free) + " free");

            Http.Download full = eu.download(big.uuid(), Duration.ofSeconds(60));
            r.figure("client_saw", full.toString());
            String code = null;
            String message = null;
            if (full.errorBody() != null && !full.errorBody().isEmpty()) {
                try {
                    JsonNode j = Json.tree(full.errorBody());
                    code = j.path("code").asText(null);
                    message = j.path("message").asText(null);
                } catch (RuntimeException notJson) {
                    // recorded as is
                }
            }
            r.figure("client_status", full.status());
            r.figure("client_error_code", code);
            r.check("the client gets a clear error before any byte: 507 InsufficientStorage, JSON with a message",
                    full.status() == 507 && "InsufficientStorage".equals(code) && message != null && !message.isEmpty(),
                    full.status() + " " + code + ": " + message + (full.failure() == null ? "" : " / " + full.failure()));
            Await.until("eu's transfer to end", Duration.ofSeconds(60), () -> Invariants.noneRunning(eu));
            JsonNode t = Invariants.transfer(eu, big.uuid());
            r.figure("transfer_error", t == null ? null : t.path("error").asText());
            Invariants.awaitTmpEmpty(eu, Duration.ofSeconds(10));
            Invariants.StoreAudit a = Invariants.audit(eu.dataDir());
            r.check("no corruption in eu: its blobs hash right, tmp is empty, the file was not committed, nothing evicted",
                    a.clean()
                    && !a.sha1s().contains(big.sha1()) && a.sha1s().contains(filler.sha1()) && a.sha1s().contains(small.sha1()),
                    a.toString());
            Http.Download f1 = eu.download(filler.uuid(), Duration.ofSeconds(30));
            Http.Download f2 = eu.download(small.uuid(), Duration.ofSeconds(30));
            r.check("eu keeps serving the files it holds while its disk is full", f1.matches(filler.sha1(), filler.md5(),
                    filler.size()) && f2.matches(small.sha1(), small.md5(), small.size()), f1 + "; " + f2);

            Http.Resp del = run.http().delete(eu.url() + "/images/" + filler.uuid());
            r.check("free space: delete the image homed in eu (204)", del.status() == 204, del.describe());
            Await.until("eu's free space to exceed the requested file", Duration.ofSeconds(30),
                    () -> usable(mount) > big.size() + (4 << 20));
            r.figure("eu_free_bytes_after_delete", usable(mount));
            Http.Download ok = eu.download(big.uuid(), Duration.ofSeconds(60));
            r.check("once space returns the pull succeeds with identical bytes", ok.matches(big.sha1(), big.md5(),
                    big.size()), ok.toString());
            Invariants.awaitTmpEmpty(eu, Duration.ofSeconds(10));
            Invariants.auditAll(c, r, "after recovery");
        } finally {
            Shell.run("umount", mount.toString());
        }
    }

    private static long usable(Path p) {
        try {
            return Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
