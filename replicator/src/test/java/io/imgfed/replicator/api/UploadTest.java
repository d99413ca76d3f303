package io.imgfed.replicator.api;

import static io.imgfed.replicator.testkit.ApiAsserts.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.replicator.testkit.ApiAsserts;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.RawConnection;
import io.imgfed.replicator.testkit.RawHttp;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AddImageFile against bad and unusual uploads: wrong digests, bodies shorter or longer than declared, dropped
 * connections, empty and oversized files, races, Expect: 100-continue and chunked bodies. A failed upload stores
 * nothing and leaves the image ready for a correct upload.
 */
class UploadTest {
    private static final String HOST = "127.0.0.1";
    private static final long TWENTY_GIB = 20L * 1024 * 1024 * 1024;

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    static int port;
    private static final Random RANDOM = new Random(11);

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir);
        api = daemon.client();
        port = daemon.daemon().httpPort();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    private static byte[] randomFile(int size) {
        byte[] b = new byte[size];
        RANDOM.nextBytes(b);
        return b;
    }

    private static ApiAsserts.Snapshot snapshot() {
        return ApiAsserts.Snapshot.of(daemon.daemon());
    }

    private static String newImage(String name) {
        return api.create(ImgapiClient.manifest(name, "1.0.0"));
    }

    private static String head(String uuid, String query, long contentLength, String... extra) {
        StringBuilder sb = new StringBuilder("PUT /images/" + uuid + "/file?" + query + " HTTP/1.1\n")
                .append("Host: ").append(HOST).append(':').append(port).append('\n')
                .append("Content-Type: application/octet-stream\n");
        if (contentLength >= 0) {
            sb.append("Content-Length: ").append(contentLength).append('\n');
        }
        for (String h : extra) {
            sb.append(h).append('\n');
        }
        return sb.append('\n').toString();
    }

    /** The image is still unactivated, has no file, and a correct upload now succeeds (and nothing else changed). */
    private static void stillUploadable(String uuid, ApiAsserts.Snapshot before) {
        before.assertUnchanged(daemon.daemon());
        JsonNode img = api.get("/images/" + uuid).json();
        assertEquals("unactivated", img.path("state").asText());
        assertTrue(img.path("files").isEmpty(), img.toString());
        byte[] good = randomFile(20_000);
        Response ok = Await.value("a correct upload to succeed after the failed one", Duration.ofSeconds(10), () -> {
            Response r = api.upload(uuid, good);
            if (r.status() == 409 && "UploadInProgress".equals(r.code())) {
                return null; // the failed upload is still being cleaned up
            }
            return r;
        });
        assertEquals(200, ok.status(), ok.toString());
        assertEquals(ImgapiClient.sha1(good), ok.json().path("files").path(0).path("sha1").asText());
        assertEquals(200, api.post("/images/" + uuid + "?action=activate", "{}").status());
        assertArrayEquals(good, api.get("/images/" + uuid + "/file").body());
    }

    private static Path onlyTmpFile() {
        List<String> names = ApiAsserts.tmpFiles(dir);
        return names.size() == 1 ? dir.resolve("tmp").resolve(names.get(0)) : null;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void wrongSha1IsUploadErrorAndStoresNothing() {
        String uuid = newImage("wrong-sha1");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(100_000);
        byte[] other = Arrays.copyOf(file, file.length);
        other[0] ^= 1;
        Response r = api.put("/images/" + uuid + "/file?compression=none&sha1=" + ImgapiClient.sha1(other), file);
        assertError(r, 400, "Upload", "sha1");
        stillUploadable(uuid, before);
    }

    @Test
    void malformedSha1AndDatasetGuidAreInvalidParameters() {
        String uuid = newImage("bad-params");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(1000);
        String sha1 = ImgapiClient.sha1(file);
        for (String bad : List.of(sha1.toUpperCase(), sha1.substring(1), sha1 + "0", "zz" + sha1.substring(2), "")) {
            assertError(api.put("/images/" + uuid + "/file?compression=none&sha1=" + bad, file), 422, "InvalidParameter",
                    "sha1");
        }
        assertError(api.put("/images/" + uuid + "/file?compression=none&sha1=" + sha1 + "&sha1=" + sha1, file), 422,
                "InvalidParameter", "sha1");
        assertError(api.put("/images/" + uuid + "/file?compression=none&dataset_guid=NOPE", file), 422, "InvalidParameter",
                "dataset_guid");
        assertError(api.put("/images/" + uuid + "/file?compression=none&source=http://evil/", file), 422,
                "InvalidParameter", "source");
        stillUploadable(uuid, before);
    }

    @Test
    void missingOrUnknownCompressionIsRefused() {
        String uuid = newImage("compression");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(1000);
        JsonNode err = assertError(api.put("/images/" + uuid + "/file?sha1=" + ImgapiClient.sha1(file), file), 422,
                "InvalidParameter", "compression");
        assertEquals("MissingParameter", ApiAsserts.fieldCode(err, "compression"));
        for (String c : List.of("zip", "GZIP", "", "none%00")) {
            assertError(api.put("/images/" + uuid + "/file?compression=" + c, file), 422, "InvalidParameter",
                    "compression");
        }
        stillUploadable(uuid, before);
    }

    @Test
    void zeroByteFileIsRefused() throws IOException {
        String uuid = newImage("empty");
        ApiAsserts.Snapshot before = snapshot();
        assertError(api.put("/images/" + uuid + "/file?compression=none", new byte[0]), 400, "Upload", "Content-Length");
        // A chunked body that turns out empty is refused too.
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none", -1, "Transfer-Encoding: chunked"));
            c.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertError(c.read(10_000), 400, "Upload", "Content-Length");
        }
        stillUploadable(uuid, before);
    }

    @Test
    void oversizedContentLengthIsRefusedBeforeReading() throws IOException {
        String uuid = newImage("oversized");
        ApiAsserts.Snapshot before = snapshot();
        for (long len : List.of(TWENTY_GIB + 1, 100L * 1024 * 1024 * 1024 * 1024, Long.MAX_VALUE)) {
            try (RawConnection c = RawConnection.open(HOST, port)) {
                c.head(head(uuid, "compression=none", len));
                c.write(new byte[1024]);
                // No more of the body is sent: the answer must come anyway, from the head alone.
                assertError(c.read(10_000), 400, "Upload", "Content-Length");
            }
        }
        assertTrue(ApiAsserts.tmpFiles(dir).isEmpty(), "no temp file was even started");
        stillUploadable(uuid, before);
    }

    @Test
    void missingContentLengthIsRefused() throws IOException {
        String uuid = newImage("no-length");
        ApiAsserts.Snapshot before = snapshot();
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none", -1));
            assertError(c.read(10_000), 400, "Upload", "Content-Length");
        }
        stillUploadable(uuid, before);
    }

    @Test
    void connectionDroppedMidBodyLeavesNothing() throws IOException {
        String uuid = newImage("dropped");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(1_000_000);
        RawHttp.abandon(HOST, port, head(uuid, "compression=none&sha1=" + ImgapiClient.sha1(file), file.length),
                Arrays.copyOf(file, 300_000));
        stillUploadable(uuid, before);
    }

    @Test
    void connectionDroppedRightAfterTheHeadLeavesNothing() throws IOException {
        // Races the drop against the daemon setting up the temp file: whichever wins, nothing may stay behind.
        String uuid = newImage("dropped-early");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(1_000_000);
        for (int i = 0; i < 20; i++) {
            RawHttp.abandon(HOST, port, head(uuid, "compression=none", file.length), Arrays.copyOf(file, i * 40_000));
        }
        stillUploadable(uuid, before);
    }

    @Test
    void connectionDroppedAfterBytesReachedTheTempFileLeavesNothing() throws IOException {
        String uuid = newImage("dropped-late");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(2_000_000);
        RawConnection c = RawConnection.open(HOST, port);
        try {
            c.head(head(uuid, "compression=none&sha1=" + ImgapiClient.sha1(file), file.length));
            c.write(file, 0, 1_500_000);
            Await.until("the first 1.5 MB in a temp file", Duration.ofSeconds(10), () -> {
                Path tmp = onlyTmpFile();
                return tmp != null && size(tmp) == 1_500_000;
            });
        } finally {
            c.abort();
        }
        stillUploadable(uuid, before);
    }

    @Test
    void shortBodyThenHalfCloseLeavesNothing() throws IOException {
        String uuid = newImage("short-half-closed");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(100_000);
        RawHttp.exchange(HOST, port, head(uuid, "compression=none", file.length), Arrays.copyOf(file, 60_000), true, 3000);
        stillUploadable(uuid, before);
    }

    @Test
    void bodyLongerThanContentLengthIsRefused() throws IOException {
        String uuid = newImage("long-body");
        ApiAsserts.Snapshot before = snapshot();
        byte[] file = randomFile(150_000);
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none&sha1=" + ImgapiClient.sha1(file), 100_000));
            c.write(file);
            assertError(c.read(10_000), 400, "Upload", "sha1");
        }
        stillUploadable(uuid, before);
    }

    @Test
    void secondFileOnOneImageIsImmutable() {
        byte[] first = randomFile(10_000);
        String uuid = newImage("two-files");
        assertEquals(200, api.upload(uuid, first).status());
        ApiAsserts.Snapshot before = snapshot();
        byte[] second = randomFile(10_000);
        assertError(api.upload(uuid, second), 422, "ImageFilesImmutable");
        assertError(api.upload(uuid, first), 422, "ImageFilesImmutable");
        assertEquals(200, api.post("/images/" + uuid + "?action=activate", "{}").status());
        before = snapshot();
        assertError(api.upload(uuid, second), 422, "ImageFilesImmutable");
        before.assertUnchanged(daemon.daemon());
        assertArrayEquals(first, api.get("/images/" + uuid + "/file").body());
    }

    @Test
    void concurrentUploadToOneImageIsUploadInProgress() throws IOException {
        String uuid = newImage("race");
        byte[] file = randomFile(400_000);
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none&sha1=" + ImgapiClient.sha1(file), file.length));
            c.write(file, 0, 200_000);
            Await.until("the first upload's temp file", Duration.ofSeconds(10), () -> {
                Path tmp = onlyTmpFile();
                return tmp != null && size(tmp) == 200_000;
            });
            ApiAsserts.Snapshot before = snapshot();
            byte[] other = randomFile(1000);
            assertError(api.upload(uuid, other), 409, "UploadInProgress");
            assertEquals(before, snapshot(), "the refused upload stored nothing");

            c.write(file, 200_000, file.length - 200_000);
            Response first = c.read(10_000);
            assertEquals(200, first.status(), first.toString());
        }
        assertEquals(ImgapiClient.sha1(file), api.get("/images/" + uuid).json().path("files").path(0).path("sha1").asText());
        assertTrue(ApiAsserts.tmpFiles(dir).isEmpty());
    }

    @Test
    void expect100ContinueUploadWorks() throws IOException {
        String uuid = newImage("expect");
        byte[] file = randomFile(300_000);
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=xz&sha1=" + ImgapiClient.sha1(file), file.length, "Expect: 100-continue"));
            Response interim = c.read(10_000);
            assertEquals(100, interim.status(), interim.toString());
            c.write(file);
            Response done = c.read(10_000);
            assertEquals(200, done.status(), done.toString());
            assertEquals("xz", done.json().path("files").path(0).path("compression").asText());
        }
        assertArrayEquals(file, api.get("/images/" + uuid + "/file").body());
    }

    @Test
    void expect100ContinueWithABadRequestGetsTheErrorInsteadOfContinue() throws IOException {
        String uuid = newImage("expect-bad");
        ApiAsserts.Snapshot before = snapshot();
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=zip", 300_000, "Expect: 100-continue"));
            assertError(c.read(10_000), 422, "InvalidParameter", "compression");
        }
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none", TWENTY_GIB + 1, "Expect: 100-continue"));
            assertError(c.read(10_000), 400, "Upload", "Content-Length");
        }
        stillUploadable(uuid, before);
    }

    @Test
    void chunkedUploadIsVerifiedToo() throws IOException {
        String uuid = newImage("chunked");
        byte[] file = randomFile(70_000);
        ApiAsserts.Snapshot before = snapshot();
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none&sha1=" + "0".repeat(40), -1, "Transfer-Encoding: chunked"));
            c.write(chunked(file));
            assertError(c.read(10_000), 400, "Upload", "sha1");
        }
        before.assertUnchanged(daemon.daemon());
        try (RawConnection c = RawConnection.open(HOST, port)) {
            c.head(head(uuid, "compression=none&sha1=" + ImgapiClient.sha1(file), -1, "Transfer-Encoding: chunked"));
            c.write(chunked(file));
            Response r = c.read(10_000);
            assertEquals(200, r.status(), r.toString());
            assertEquals(file.length, r.json().path("files").path(0).path("size").asLong());
        }
    }

    @Test
    void uploadToUnknownImageIs404() {
        ApiAsserts.Snapshot before = snapshot();
        assertError(api.upload(java.util.UUID.randomUUID().toString(), randomFile(10)), 404, "ResourceNotFound");
        before.assertUnchanged(daemon.daemon());
    }

    private static byte[] chunked(byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int off = 0;
        while (off < data.length) {
            int n = Math.min(16_384, data.length - off);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(data, off, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            off += n;
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
