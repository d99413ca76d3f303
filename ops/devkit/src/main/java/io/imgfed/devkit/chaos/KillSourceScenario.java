package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devkit.chaos.Images.Image;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * SIGKILL of the source DC in the middle of a pull into eu (rate-limited, so the pull is in progress).
 * (a) west holds the file too: the pull resumes from west and completes with identical bytes. (b) nobody
 * else holds it: the requester gets a clean failure (503 JSON, or a connection reset mid-stream, never a
 * complete wrong body), and once the source is back the pull succeeds. Nowhere is a partial file committed.
 */
final class KillSourceScenario extends Scenario {
    private static final long RATE = 6L << 20;

    KillSourceScenario() {
        super("kill-source",
                "SIGKILL the source DC mid-transfer, with and without a second source");
    }

    @Override
    void run(ChaosRun run, ScenarioResult r) throws Exception {
        int size = run.pick(48, 32) << 20;
        r.figure("file_bytes", size);
        r.figure("eu_rate_limit_bytes_per_s", RATE);
        try (Cluster c = new Cluster(run, name(), "east", "west", "eu")
                .configure("eu", "transfer: {rateLimit: " + RATE + ", stallTimeout: 5s, "
                        + "retry: {initial: 500ms, max: 2s, attempts: 4}}\nfederation: {costs: {east: 1, west: 5}}")
                .start()) {
            DcProcess east = c.dc("east");
            DcProcess west = c.dc("west");
            DcProcess eu = c.dc("eu");
            Image x = Images.publish(run, east, "ks-two-sources", Images.file(size, 201));
            Image y = Images.publish(run, east, "ks-one-source", Images.file(size, 202));
            Http.Download atWest = west.download(x.uuid(), Duration.ofSeconds(60));
            if (!atWest.matches(x.sha1(), x.md5(), x.size())) {
                throw new IllegalStateException("west could not pull the first image: " + atWest);
            }
            awaitHolders(eu, x, List.of("east", "west"));
            awaitHolders(eu, y, List.of("east"));

            // (a) another DC holds the file
            CompletableFuture<Http.Download> a = CompletableFuture.supplyAsync(
                    () -> eu.download(x.uuid(), Duration.ofSeconds(60)));
            long at = awaitProgress(eu, x, "east", 0.25);
            r.figure("a_bytes_at_kill", at);
            c.kill("east");
            Http.Download got = a.get(180, TimeUnit.SECONDS);
            r.check("(a) the pull completes from the other holder with identical bytes (sha1, md5, size)",
                    got.matches(x.sha1(), x.md5(), x.size()), got.toString());
            Await.until("eu's transfer of the first image to end", Duration.ofSeconds(60), () -> Invariants.noneRunning(eu));
            JsonNode t = Invariants.transfer(eu, x.uuid());
            r.check("(a) eu's transfer resumed from west after east died", t != null
                    && t.path("state").asText().equals("completed") && t.path("source").asText().equals("west")
                    && t.path("attempts").asInt() >= 2, String.valueOf(t));
            r.figure("a_moved_bytes", t == null ? null : t.path("moved").asLong());
            r.figure("a_seconds", got.seconds());

            // (b) no other DC holds the file
            c.restart("east");
            awaitHolders(eu, y, List.of("east"));
            CompletableFuture<Http.Download> b = CompletableFuture.supplyAsync(
                    () -> eu.download(y.uuid(), Duration.ofSeconds(60)));
            r.figure("b_bytes_at_kill", awaitProgress(eu, y, "east", 0.25));
            c.kill("east");
            Http.Download failed = b.get(180, TimeUnit.SECONDS);
            r.figure("b_requester_saw", failed.toString());
            boolean clean = !failed.complete() && (failed.status() == 503 && failed.errorBody() != null
                    && failed.errorBody().contains("\"code\"") || failed.failure() != null);
            r.check("(b) the requester gets a clean failure: 503 JSON or a reset mid-stream, never a complete body", clean,
                    failed.toString());
            Await.until("eu's transfer of the second image to end", Duration.ofSeconds(60), () -> Invariants.noneRunning(eu));
            Http.Download meanwhile = eu.download(y.uuid(), Duration.ofSeconds(30));
            r.check("(b) while the only source is down, a new request gets 503 with a JSON error", meanwhile.status() == 503
                    && meanwhile.errorBody() != null && meanwhile.errorBody().contains("\"code\""), meanwhile.toString());
            Invariants.StoreAudit euStore = Invariants.audit(eu.dataDir());
            r.check("(b) nothing of the failed pull was committed in eu", !euStore.sha1s().contains(y.sha1())
                    && euStore.clean(), euStore.toString());
            c.restart("east");
            awaitHolders(eu, y, List.of("east"));
            Http.Download after = eu.download(y.uuid(), Duration.ofSeconds(60));
            r.check("(b) after the source restarts the pull succeeds with identical bytes", after.matches(y.sha1(), y.md5(),
                    y.size()), after.toString());
            for (DcProcess d : c.all()) {
                Invariants.awaitTmpEmpty(d, Duration.ofSeconds(10));
            }
            Invariants.auditAll(c, r, "at the end");
        }
    }

    /** Waits until {@code observer} sees each of {@code holders} holding the image's file. */
    static void awaitHolders(DcProcess observer, Image i, List<String> holders) {
        Await.until(observer.name() + " to see " + holders + " holding " + i.name(), Duration.ofSeconds(60), () -> {
            JsonNode a = observer.json("/federation/availability?uuid=" + i.uuid()).path(0).path("dcs");
            for (String h : holders) {
                if (!a.path(h).path("state").asText().equals("present")) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Waits until {@code dc}'s transfer of the image runs from {@code source} and has written a fraction of it. */
    static long awaitProgress(DcProcess dc, Image i, String source, double fraction) {
        return Await.value(dc.name() + "'s transfer of " + i.name() + " from " + source + " to pass " + (int) (fraction * 100)
                + "%", Duration.ofSeconds(60), () -> {
                    JsonNode t = Invariants.transfer(dc, i.uuid());
                    if (t == null || !t.path("state").asText().equals("running") || !source.equals(t.path("source").asText())) {
                        return null;
                    }
                    long b = t.path("bytes").asLong();
                    return b >= fraction * i.size() ? b : null;
                });
    }
}
