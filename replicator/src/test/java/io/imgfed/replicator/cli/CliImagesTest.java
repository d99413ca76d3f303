package io.imgfed.replicator.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image commands against one daemon: publish, show, list every page, download and verify, and the failures. */
class CliImagesTest {
    private static final String OWNER = ImgapiClient.OWNER;
    private static final Pattern UUID_IN_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static String url;

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir.resolve("data"));
        url = daemon.url();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    private static CliRun.Result cli(String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--url", url)).toArray(String[]::new);
        return CliRun.run(all);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String firstUuid(String text) {
        Matcher m = UUID_IN_TEXT.matcher(text);
        assertTrue(m.find(), "no uuid in: " + text);
        return m.group();
    }

    @Test
    void createWithFileUploadsActivatesAndGetShowsIt() throws Exception {
        byte[] data = random((1 << 20) + 7, 1);
        Path file = Files.write(dir.resolve("one.img"), data);
        CliRun.Result created = cli("images", "create", "--name", "cli-one", "--version", "1.0.0", "--owner", OWNER,
                "--description", "made by the CLI", "--tag", "role=base", "--file", file.toString());
        assertEquals(0, created.exit(), created.toString());
        assertTrue(created.out().startsWith("published image "), created.out());
        String uuid = firstUuid(created.out());
        assertTrue(created.err().lines().anyMatch(l -> l.matches("upload 100% +1\\.0 MiB / 1\\.0 MiB +.+/s  done in .+")),
                "stderr is no terminal here: plain progress lines, the last one complete: " + created.err());
        assertFalse(created.err().contains("\r"), created.err());

        CliRun.Result got = cli("images", "get", uuid);
        assertEquals(0, got.exit(), got.toString());
        assertTrue(got.out().contains("state:        active"), got.out());
        assertTrue(got.out().contains("name:         cli-one"), got.out());
        assertTrue(got.out().contains("(1048583 bytes), none, sha1 " + ImgapiClient.sha1(data)), got.out());
        assertTrue(got.out().contains("tags:         role=base"), got.out());

        JsonNode m = cli("images", "get", uuid, "--json").json();
        assertEquals(uuid, m.path("uuid").asText());
        assertEquals("active", m.path("state").asText());
        assertEquals(ImgapiClient.sha1(data), m.path("files").path(0).path("sha1").asText());
        assertEquals("made by the CLI", m.path("description").asText());

        assertArrayEquals(data, daemon.client().get("/images/" + uuid + "/file").body(), "the daemon holds the very bytes");
    }

    @Test
    void lifecycleStepByStepCreateUploadActivateGetListDownloadDelete() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(random(100_000, 2));
        }
        byte[] data = gz.toByteArray();
        Path file = Files.write(dir.resolve("two.img.gz"), data);
        CliRun.Result created = cli("images", "create", "--name", "cli-two", "--version", "2.0.0", "--owner", OWNER, "--json");
        assertEquals(0, created.exit(), created.toString());
        JsonNode m = created.json();
        assertEquals("unactivated", m.path("state").asText());
        String uuid = m.path("uuid").asText();

        CliRun.Result up = cli("images", "upload", uuid, file.toString());
        assertEquals(0, up.exit(), up.toString());
        assertTrue(up.out().contains("gzip, sha1 " + ImgapiClient.sha1(data)), "compression from the magic bytes: " + up.out());
        assertTrue(up.err().contains("upload 100%"), up.err());

        CliRun.Result again = cli("images", "upload", uuid, file.toString(), "--json");
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().startsWith("imgfed: ImageFilesImmutable: "), "a file, once uploaded, stays: " + again.err());
        assertFalse(again.err().contains("upload "), "no progress with --json: " + again.err());

        CliRun.Result act = cli("images", "activate", uuid);
        assertEquals(0, act.exit(), act.toString());
        assertEquals("activated image " + uuid + " (cli-two 2.0.0, active)", act.out().strip());

        CliRun.Result got = cli("images", "get", uuid, "--json");
        assertEquals(0, got.exit(), got.toString());
        assertEquals("active", got.json().path("state").asText());
        assertEquals("gzip", got.json().path("files").path(0).path("compression").asText());

        CliRun.Result list = cli("images", "list", "--name", "cli-two");
        assertEquals(0, list.exit(), list.toString());
        List<String> rows = list.out().lines().toList();
        assertTrue(rows.get(0).matches("UUID +NAME +VERSION +STATE +TYPE +OS +SIZE +HOME +PUBLISHED"), list.out());
        assertEquals(2, rows.size(), list.out());
        assertTrue(rows.get(1).matches(uuid + " +cli-two +2\\.0\\.0 +active +zone-dataset +smartos +\\d+\\.\\d KiB +test +\\d{4}-.*"),
                list.out());
        CliRun.Result listJson = cli("images", "list", "--name", "cli-two", "--json");
        assertEquals(uuid, listJson.json().path(0).path("uuid").asText());

        Path back = dir.resolve("two.back");
        CliRun.Result down = cli("images", "download", uuid, back.toString());
        assertEquals(0, down.exit(), down.toString());
        assertArrayEquals(data, Files.readAllBytes(back), "the bytes come back identical");

        CliRun.Result del = cli("images", "delete", uuid);
        assertEquals(0, del.exit(), del.toString());
        assertEquals("deleted image " + uuid, del.out().strip());
        CliRun.Result gone = cli("images", "get", uuid);
        assertEquals(1, gone.exit(), gone.toString());
        assertTrue(gone.err().startsWith("imgfed: ResourceNotFound: "), gone.err());
        assertEquals(1, gone.err().lines().count(), "one line: " + gone.err());
        assertEquals("", gone.out());
    }

    @Test
    void listFollowsEveryPageAndReturnsEachImageOnce() throws Exception {
        String owner = UUID.randomUUID().toString();
        ImgapiClient c = daemon.client();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<String> created = new HashSet<>();
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 1003; i++) {
                ObjectNode m = ImgapiClient.manifest("paged-" + i, "1.0." + i);
                m.put("owner", owner);
                futures.add(pool.submit(() -> c.create(m)));
            }
            for (Future<String> f : futures) {
                created.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1003, created.size());

        CliRun.Result all = cli("images", "list", "--all", "--state", "all", "--owner", owner, "--json");
        assertEquals(0, all.exit(), all.err());
        List<String> listed = new ArrayList<>();
        all.json().forEach(m -> listed.add(m.path("uuid").asText()));
        assertEquals(1003, listed.size(), "each image once, none repeated at a page boundary");
        assertEquals(created, new HashSet<>(listed));

        CliRun.Result small = cli("images", "list", "--all", "--limit", "10", "--state", "unactivated", "--owner", owner);
        assertEquals(0, small.exit(), small.err());
        List<String> lines = small.out().lines().toList();
        assertTrue(lines.get(0).startsWith("UUID"), lines.get(0));
        assertEquals(1003, lines.size() - 1, "a table row per image over 101 pages of 10");
        assertEquals(1003, lines.stream().skip(1).map(CliImagesTest::firstUuid).distinct().count());

        CliRun.Result first = cli("images", "list", "--state", "all", "--owner", owner);
        assertEquals(0, first.exit(), first.err());
        assertEquals(1000, first.out().lines().count() - 1, "without --all, only the first page");
        assertTrue(first.err().contains("showing the first 1000 images; --all lists every page"), first.err());

        CliRun.Result none = cli("images", "list", "--owner", owner);
        assertEquals(0, none.exit());
        assertEquals(1, none.out().lines().count(), "unactivated images are not listed by default: " + none.out());
    }

    @Test
    void downloadStreamsAndVerifiesTheFile() throws Exception {
        byte[] data = random(3 * (1 << 20) + 5, 3);
        String uuid = daemon.client().activeImage("downloaded", data);
        Path out = dir.resolve("downloaded.img");
        CliRun.Result r = cli("images", "download", uuid, out.toString());
        assertEquals(0, r.exit(), r.toString());
        assertArrayEquals(data, Files.readAllBytes(out));
        assertTrue(r.out().contains("Content-MD5 verified"), r.out());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("download 100% +3\\.0 MiB / 3\\.0 MiB .*")), r.err());

        CliRun.Result json = cli("images", "download", uuid, out.toString(), "--json");
        assertEquals(0, json.exit(), json.toString());
        assertEquals(ImgapiClient.md5Base64(data), json.json().path("md5").asText());
        assertEquals("hit", json.json().path("cache").asText());
        assertEquals("", json.err(), "no progress with --json");
    }

    @Test
    void downloadRefusesBytesThatDoNotMatchContentMd5() throws Exception {
        byte[] served = random(4096, 4);
        byte[] other = random(4096, 5);
        HttpServer fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        fake.createContext("/", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().add("Content-MD5", ImgapiClient.md5Base64(other));
            ex.sendResponseHeaders(200, served.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(served);
            }
        });
        fake.start();
        try {
            Path sub = Files.createDirectory(dir.resolve("corrupt"));
            Path out = sub.resolve("f.img");
            CliRun.Result r = CliRun.run("images", "download", UUID.randomUUID().toString(), out.toString(), "--url",
                    "http://127.0.0.1:" + fake.getAddress().getPort());
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("is corrupt: Content-MD5 is " + ImgapiClient.md5Base64(other)), r.err());
            try (Stream<Path> left = Files.list(sub)) {
                assertEquals(0, left.count(), "neither the file nor a partial file is left behind");
            }
        } finally {
            fake.stop(0);
        }
    }

    @Test
    void daemonErrorsPrintCodeMessageAndFieldsAndExitOne() {
        CliRun.Result missing = cli("images", "get", UUID.randomUUID().toString());
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.err().startsWith("imgfed: ResourceNotFound: "), missing.err());

        CliRun.Result invalid = cli("images", "create", "--name", "x", "--version", "1", "--owner", OWNER, "--type", "bogus");
        assertEquals(1, invalid.exit(), invalid.toString());
        assertTrue(invalid.err().contains("imgfed: ValidationFailed: "), invalid.err());
        assertTrue(invalid.err().contains("\n  type: Invalid"), invalid.err());

        CliRun.Result badAccount = cli("images", "list", "--account", "not-a-uuid");
        assertEquals(1, badAccount.exit(), badAccount.toString());
        assertTrue(badAccount.err().contains("imgfed: InvalidParameter: "), badAccount.err());
        assertEquals("imgfed: InvalidParameter: account must be a lowercase uuid", badAccount.err().strip(),
                "a field error that says what the message says is not repeated");

        Path absent = dir.resolve("no-such-file");
        CliRun.Result noFile = cli("images", "create", "--name", "x", "--version", "1", "--owner", OWNER, "--file",
                absent.toString());
        assertEquals(1, noFile.exit(), noFile.toString());
        assertTrue(noFile.err().contains("imgfed: cannot read " + absent + ": no such file"), noFile.err());
        assertEquals(0, cli("images", "list", "--state", "all", "--name", "x", "--json").json().size(),
                "no image is created for a file that cannot be read");
    }

    @Test
    void usageErrorsExitTwo() {
        CliRun.Result badFlag = cli("images", "list", "--bogus");
        assertEquals(2, badFlag.exit(), badFlag.toString());
        assertEquals("imgfed images list: Unknown option: '--bogus'\nTry 'imgfed images list --help' for more information.\n",
                badFlag.err().replace(System.lineSeparator(), "\n"));
        assertEquals(2, cli("images").exit(), "a subcommand is required");
        assertEquals(2, cli("transfers", "--watch", "--interval", "0").exit());
        assertEquals(2, cli("images", "get").exit());
        assertEquals(2, cli("images", "create", "--name", "x").exit());
        assertEquals(2, cli("images", "create", "--name", "x", "--version", "1").exit(), "no owner and no account");
        assertEquals(2, cli("images", "list", "--limit", "5000").exit());
        CliRun.Result avail = cli("availability");
        assertEquals(2, avail.exit());
        assertTrue(avail.err().contains("give image UUIDs, --owner or --name"), avail.err());
        CliRun.Result badUrl = CliRun.run("images", "list", "--url", "ftp://example.com");
        assertEquals(2, badUrl.exit());
        assertTrue(badUrl.err().contains("--url: expected http://HOST:PORT"), badUrl.err());
    }

    @Test
    void withoutUrlTheConfigNamesTheDaemon() throws Exception {
        int port = java.net.URI.create(url).getPort();
        Path config = Files.writeString(dir.resolve("cli.yaml"), "dc: test\nhttp: {host: 0.0.0.0, port: " + port + "}\n"
                + "auth: {allowInsecure: true}\n");
        CliRun.Result r = CliRun.run("images", "list", "--config", config.toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.json().isArray(), r.out());

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "http: {port: seventy}\n");
        CliRun.Result refused = CliRun.run("images", "list", "--config", bad.toString());
        assertEquals(2, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("cannot tell the daemon's URL from " + bad + ": http.port: "), refused.err());
    }

    @Test
    void unreachableDaemonIsAClearErrorAndExitOne() {
        int port = FreePorts.next();
        CliRun.Result r = CliRun.run("images", "list", "--url", "http://127.0.0.1:" + port);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("imgfed: cannot reach the imgfed daemon at http://127.0.0.1:" + port
                + " (connection refused); is it running?"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void everyCommandHasHelpWithExamples() {
        String[][] commands = {{"images"}, {"images", "list"}, {"images", "get"}, {"images", "create"},
            {"images", "upload"}, {"images", "activate"}, {"images", "delete"}, {"images", "download"},
            {"availability"}, {"transfers"}, {"replicate"}};
        for (String[] c : commands) {
            String[] args = Stream.concat(Stream.of(c), Stream.of("--help")).toArray(String[]::new);
            CliRun.Result r = CliRun.run(args);
            assertEquals(0, r.exit(), String.join(" ", c));
            assertTrue(r.out().contains("Examples:") && r.out().contains("imgfed " + c[0]), String.join(" ", c) + ": " + r.out());
        }
        for (String[] top : new String[][] {{"--help"}, {"help"}}) {
            CliRun.Result r = CliRun.run(top);
            assertEquals(0, r.exit(), r.toString());
            for (String c : List.of("serve", "images", "availability", "transfers", "replicate", "certs", "billing")) {
                assertTrue(r.out().contains("  " + c + " "), top[0] + " lists " + c + ": " + r.out());
            }
        }
    }
}
