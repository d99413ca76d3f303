package io.imgfed.replicator.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The federation commands on two DCs whose pulls are throttled to 1 MiB/s, so a 4 MiB pull lasts about four
 * seconds and can be watched: availability and transfers during and after a lazy pull, and replicate --wait
 * into the daemon's own DC and into another one, with the progress bar.
 */
class CliFederationTest {
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final int SIZE = 4 << 20;
    private static final Pattern PROGRESS_INTO_B = Pattern.compile(
            "replicate +[1-9][0-9]?% +[0-9.]+ (B|KiB|MiB) / 4\\.0 MiB +([0-9.]+ (B|KiB|MiB)|\\?)/s  ETA \\S+  \\(into b\\)");
    private static final Pattern PROGRESS_A_TO_B = Pattern.compile(
            "replicate +[1-9][0-9]?% +[0-9.]+ (B|KiB|MiB) / 4\\.0 MiB +([0-9.]+ (B|KiB|MiB)|\\?)/s  ETA \\S+  \\(a -> b\\)");

    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.withConfig(dir, "transfer: {rateLimit: 1MiB}", "a", "b");
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    private static String url(String dc) {
        return fed.dc(dc).url();
    }

    private static CliRun.Result cli(String dc, String... args) {
        return CliRun.run(Stream.concat(Stream.of(args), Stream.of("--url", url(dc))).toArray(String[]::new));
    }

    private static byte[] file(long seed) {
        byte[] f = new byte[SIZE];
        new Random(seed).nextBytes(f);
        return f;
    }

    /** An active image homed at a, once b knows that a holds its file. */
    private static String imageAtA(String name, byte[] data) {
        String uuid = fed.client("a").activeImage(name, data);
        awaitBSeesAHolding(uuid);
        return uuid;
    }

    private static void awaitBSeesAHolding(String uuid) {
        Await.until("b sees a holding " + uuid, CONVERGE, () -> fed.client("b").get("/federation/availability?uuid=" + uuid)
                .json().path(0).path("dcs").path("a").path("state").asText().equals("present"));
    }

    private static JsonNode transferAtB(String uuid) {
        for (JsonNode t : cli("b", "transfers", "--json").json()) {
            if (t.path("image").asText().equals(uuid)) {
                return t;
            }
        }
        return null;
    }

    @Test
    void availabilityAndTransfersShowALazyPull() throws Exception {
        byte[] data = file(10);
        String uuid = imageAtA("lazy", data);

        CliRun.Result before = cli("b", "availability", uuid);
        assertEquals(0, before.exit(), before.toString());
        String row = before.out().lines().filter(l -> l.startsWith(uuid)).findFirst().orElseThrow();
        assertTrue(Pattern.matches(uuid + " +lazy +1\\.0\\.0 +4\\.0 MiB +a +present +absent +absent; from a ~\\S+, cost \\S+",
                row), before.out());
        assertTrue(before.out().lines().findFirst().orElseThrow().matches("UUID +NAME +VERSION +SIZE +HOME +a +b +HERE"),
                before.out());

        CompletableFuture<ImgapiClient.Digested> provision = CompletableFuture.supplyAsync(
                () -> fed.client("b").getDigest("/images/" + uuid + "/file"));
        JsonNode running = Await.value("b's transfer of the image is running", CONVERGE, () -> {
            JsonNode t = transferAtB(uuid);
            return t != null && t.path("state").asText().equals("running") && t.path("bytes").asLong() > 0 ? t : null;
        });
        assertEquals("a", running.path("source").asText());

        CliRun.Result during = cli("b", "transfers");
        assertEquals(0, during.exit(), during.toString());
        assertTrue(during.out().lines().findFirst().orElseThrow()
                .matches("IMAGE +SOURCE -> DEST +PROGRESS +SIZE +RATE +WAITERS +ATTEMPTS +STATE +REASON +ERROR"), during.out());
        String line = during.out().lines().filter(l -> l.startsWith(uuid)).findFirst().orElse("");
        assertTrue(Pattern.matches(uuid + " +a -> b +[0-9.]+% +4\\.0 MiB +.+ +1 +1 +(running|verifying|completed) +provision +-",
                line), during.out());

        CliRun.Result pulling = Await.value("b's availability shows its own pull", CONVERGE, () -> {
            CliRun.Result r = cli("b", "availability", uuid);
            return r.out().contains("pulling") ? r : null;
        });
        assertTrue(Pattern.compile(" present +pulling [0-9]+% +pulling [0-9]+%; from a").matcher(pulling.out()).find(),
                pulling.out());

        ImgapiClient.Digested got = provision.get(60, TimeUnit.SECONDS);
        assertEquals(ImgapiClient.sha1(data), got.sha1());
        CliRun.Result after = Await.value("the transfer is listed as completed", CONVERGE, () -> {
            CliRun.Result r = cli("b", "transfers");
            return r.out().lines().anyMatch(l -> l.startsWith(uuid) && l.contains(" completed ")) ? r : null;
        });
        assertTrue(after.out().lines().anyMatch(l -> l.startsWith(uuid) && l.contains("100.0%") && l.contains("a -> b")),
                after.out());
        CliRun.Result present = Await.value("b's availability shows the file present in both DCs", CONVERGE, () -> {
            CliRun.Result r = cli("b", "availability", "--name", "lazy");
            return r.out().lines().anyMatch(l -> l.startsWith(uuid) && l.matches(".* present +present +present$")) ? r : null;
        });
        assertEquals(0, present.exit());

        JsonNode json = cli("b", "availability", uuid, "--json").json();
        assertEquals("present", json.path(0).path("dcs").path("b").path("state").asText());

        CliRun.Result watch = cli("b", "transfers", "--watch", "--count", "3", "--interval", "0.02");
        assertEquals(0, watch.exit(), watch.toString());
        assertEquals(3, watch.out().lines().filter(l -> l.startsWith("transfers at " + url("b"))).count(), watch.out());
        assertEquals(3, watch.out().lines().filter(l -> l.startsWith(uuid)).count(), watch.out());
        CliRun.Result watchJson = cli("b", "transfers", "--watch", "--count", "2", "--interval", "0.02", "--json");
        assertEquals(2, watchJson.out().lines().count(), watchJson.out());
        watchJson.out().lines().forEach(l -> assertTrue(CliRun.jsonOf(l).isArray(), l));
    }

    @Test
    void replicateToAnotherDcWaitsWithAProgressBarAndTheFileEndsThere() throws Exception {
        byte[] data = file(20);
        Path path = Files.write(dir.resolve("round-trip.img"), data);
        CliRun.Result created = cli("a", "images", "create", "--name", "round-trip", "--version", "1.0.0", "--owner",
                ImgapiClient.OWNER, "--file", path.toString(), "--json");
        assertEquals(0, created.exit(), created.toString());
        String uuid = created.json().path("uuid").asText();
        assertEquals("active", created.json().path("state").asText());
        awaitBSeesAHolding(uuid);

        CliRun.Result r = cli("a", "replicate", uuid, "--dc", "b", "--wait", "--interval", "0.1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("image " + uuid + " is present at DC b (4.0 MiB)"), r.out());
        assertTrue(r.err().lines().anyMatch(PROGRESS_INTO_B.asMatchPredicate()),
                "progress lines with percent, bytes, rate and ETA while b pulls: " + r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("replicate 100% +4\\.0 MiB / 4\\.0 MiB .*") && l.contains("done in")),
                r.err());
        assertTrue(fed.dc("b").daemon().store().contains(ImgapiClient.sha1(data)), "b holds the file");

        Path back = dir.resolve("round-trip.back");
        CliRun.Result download = cli("b", "images", "download", uuid, back.toString(), "--json");
        assertEquals(0, download.exit(), download.toString());
        assertEquals("hit", download.json().path("cache").asText(), "b serves its own copy");
        assertArrayEquals(data, Files.readAllBytes(back));

        CliRun.Result again = cli("a", "replicate", uuid, "--dc", "b", "--wait");
        assertEquals(0, again.exit(), again.toString());
        assertEquals("DC b already holds the file of image " + uuid, again.out().strip());
    }

    @Test
    void replicateIntoTheDaemonsOwnDcFollowsItsTransfers() {
        byte[] data = file(30);
        String uuid = imageAtA("prefetched", data);
        CliRun.Result r = cli("b", "replicate", uuid, "--wait", "--interval", "0.1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().lines().anyMatch(PROGRESS_A_TO_B.asMatchPredicate()), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("replicate 100% +4\\.0 MiB / 4\\.0 MiB .*")), r.err());
        assertTrue(fed.dc("b").daemon().store().contains(ImgapiClient.sha1(data)));
        JsonNode t = transferAtB(uuid);
        assertEquals("prefetch", t.path("reason").asText());
        assertEquals("completed", t.path("state").asText());

        JsonNode json = cli("b", "replicate", uuid, "--json").json();
        assertEquals("present", json.path("state").asText());
        assertEquals("b", json.path("dc").asText());

        CliRun.Result unknownDc = cli("a", "replicate", uuid, "--dc", "nowhere");
        assertEquals(1, unknownDc.exit(), unknownDc.toString());
        assertEquals("imgfed: InvalidParameter: no DC named nowhere in the federation", unknownDc.err().strip(),
                "one line; the field's error says nothing more");
    }

    @Test
    void availabilityShowsAnOciImagePerDc() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        byte[] config = "{\"os\":\"linux\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] layer = file(20);
        String configDigest = pushBlob(http, config);
        String layerDigest = pushBlob(http, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.net.http.HttpResponse<String> put = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url("a") + "/v2/cli/app/manifests/1.0")).header("Content-Type",
                "application/vnd.oci.image.manifest.v1+json").PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(manifest))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());

        CliRun.Result r = Await.value("b to know cli/app:1.0", CONVERGE, () -> {
            CliRun.Result x = cli("b", "availability", "--oci", "cli/app:1.0");
            return x.exit() == 0 ? x : null;
        });
        assertTrue(r.out().lines().findFirst().orElse("").strip().matches("REFERENCE +DIGEST +BLOBS +SIZE +a +b"), r.toString());
        assertTrue(r.out().lines().skip(1).findFirst().orElseThrow().strip().matches("cli/app:1\\.0 +sha256:[0-9a-f]{64} +2 +[0-9.]+ MiB +present +absent"),
                r.out());
        CliRun.Result unknown = cli("b", "availability", "--oci", "cli/none:1");
        assertTrue(unknown.exit() != 0, unknown.toString());
    }

    private static String pushBlob(java.net.http.HttpClient http, byte[] content) throws Exception {
        String digest = "sha256:" + java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(content));
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                url("a") + "/v2/cli/app/blobs/uploads/?digest=" + digest))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(content)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return digest;
    }
}
