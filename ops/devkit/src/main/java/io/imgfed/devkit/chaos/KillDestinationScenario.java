package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devkit.chaos.Images.Image;
import io.imgfed.protocol.billing.TransferEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * SIGKILL of the destination DC in the middle of a pull, then restart: the restarted daemon resumes the pull from
 * the bytes it kept (its partial file, verified piece by piece as it is reopened) instead of starting over, the
 * requester gets identical bytes, and billing counts the bytes that really moved.
 *
 * <p>Resume: what crosses the WAN after the restart is at most the file less what eu reported moved just before
 * the kill, plus one second of transfer (progress reports lag the disk by a fraction of a second); a pull that
 * started over would carry the whole file again.
 *
 * <p>Billing: a running transfer checkpoints its bytes; the restarted daemon carries the checkpoint into the resumed
 * transfer (bytes on disk beyond it are the last source's), so the deduplicated events of the image sum to at
 * least the file's size and at most what the link carried before and after the kill (counted at the source side of
 * the link, by the delay proxy in front of the source's peer listener: an upper bound, as it includes headers and
 * what the link buffered but never delivered).
 */
final class KillDestinationScenario extends Scenario {
    private static final long RATE = 6L << 20;

    KillDestinationScenario() {
        super("kill-destination",
                "SIGKILL the destination DC mid-transfer, restart: the pull resumes from the kept bytes, moved bytes billed");
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        int size = run.pick(48, 24) << 20;
        r.figure("file_bytes", size);
        try (Cluster c = new Cluster(run, name(), "east", "eu")
                .configure("eu", "transfer: {rateLimit: " + RATE + "}")
                .start()) {
            DcProcess east = c.dc("east");
            DcProcess eu = c.dc("eu");
            Image x = Images.publish(run, east, "kd-image", Images.file(size, 301));
            KillSourceScenario.awaitHolders(eu, x, List.of("east"));
            long linkBefore = c.proxy("east").bytesForwarded();
            CompletableFuture<Http.Download> first = CompletableFuture.supplyAsync(
                    () -> eu.download(x.uuid(), Duration.ofSeconds(60)));
            KillSourceScenario.awaitProgress(eu, x, "east", 0.40);
            JsonNode last = Invariants.transfer(eu, x.uuid());
            long seenMoved = last.path("moved").asLong();
            c.kill("eu");
            Http.Download cut = first.get(60, TimeUnit.SECONDS);
            r.figure("requester_at_kill", cut.toString());
            // The link settles once the source notices the dead connection.
            long[] prev = {-1};
            Await.until("the WAN link to settle after the kill", Duration.ofSeconds(20), () -> {
                long now = c.proxy("east").bytesForwarded();
                boolean stable = now == prev[0];
                prev[0] = now;
                Await.sleep(300);
                return stable;
            });
            long linkBytes = c.proxy("east").bytesForwarded() - linkBefore;
            Invariants.StoreAudit atKill = Invariants.audit(eu.dataDir());
            r.figure("moved_before_kill_per_last_transfers", seenMoved);
            r.figure("moved_before_kill_per_source_link_upper_bound", linkBytes);
            r.figure("tmp_at_kill", atKill.tmp());
            java.nio.file.Path kept = eu.dataDir().resolve("partial").resolve(x.sha1());
            r.figure("partial_bytes_at_kill", java.nio.file.Files.exists(kept) ? java.nio.file.Files.size(kept) : 0);
            r.check("the requester of the killed pull did not get a complete body", !cut.complete(), cut.toString());

            long linkAtRestart = c.proxy("east").bytesForwarded();
            c.restart("eu");
            Invariants.StoreAudit restarted = Invariants.audit(eu.dataDir());
            r.check("after the restart every blob on eu hashes right and its tmp is empty", restarted.clean(),
                    restarted.toString());
            KillSourceScenario.awaitHolders(eu, x, List.of("east"));
            Http.Download again = eu.download(x.uuid(), Duration.ofSeconds(60));
            r.figure("requester_after_restart", again.toString());
            r.check("a GET after the restart delivers identical bytes", again.matches(x.sha1(), x.md5(), x.size()),
                    again.toString());
            long linkAfter = c.proxy("east").bytesForwarded() - linkAtRestart;
            r.figure("link_bytes_after_restart", linkAfter);
            r.check("the pull resumed: what crossed after the restart <= size - moved before the kill + 1 s of transfer",
                    linkAfter <= size - seenMoved + RATE, linkAfter + " bytes crossed after the restart, "
                            + (size - seenMoved + RATE) + " allowed");

            r.figure("outbox_drain_seconds", Invariants.awaitOutboxDrained(eu, Duration.ofSeconds(60)));
            Map<String, TransferEvent> events = Invariants.dedupe(
                    Invariants.events(run.kafkaBootstrap(), Duration.ofSeconds(3), Duration.ofSeconds(60)), List.of(x.uuid()));
            long billed = 0;
            List<String> described = new ArrayList<>();
            for (TransferEvent e : events.values()) {
                billed += e.bytes();
                described.add(e.type().wireName() + " " + e.bytes() + " bytes " + e.sourceDc() + "->" + e.destDc());
            }
            r.figure("events", described);
            r.figure("billed_bytes", billed);
            long lower = size;
            long upper = linkBytes + linkAfter;
            r.check("billing counts the bytes that moved: size <= sum of deduplicated event bytes <= bytes the link "
                    + "carried before and after the kill",
                    billed >= lower && billed <= upper, "billed " + billed + " in " + events.size() + " event(s), bounds ["
                            + lower + ", " + upper + "]");
            Invariants.awaitTmpEmpty(eu, Duration.ofSeconds(10));
            Invariants.auditAll(c, r, "at the end");
        }
    }
}
