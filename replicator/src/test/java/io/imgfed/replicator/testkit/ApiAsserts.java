package io.imgfed.replicator.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.Daemon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Assertions shared by the API tests: IMGAPI error answers, and "nothing was stored" checks on a daemon. */
public final class ApiAsserts {
    private ApiAsserts() {
    }

    /**
     * Asserts an IMGAPI JSON error: status, {@code code}, and that {@code errors[].field} names every given field
     * (when fields are given). Returns the parsed body.
     */
    public static JsonNode assertError(ImgapiClient.Response r, int status, String code, String... fields) {
        assertEquals(status, r.status(), () -> "status of " + r);
        String type = r.header("Content-Type");
        assertNotNull(type, () -> "error without Content-Type: " + r);
        assertTrue(type.startsWith("application/json"), () -> "error is not JSON: " + type + " " + r);
        JsonNode body = r.json();
        assertEquals(code, body.path("code").asText(null), () -> "code of " + r);
        assertTrue(body.path("message").isTextual(), () -> "error without message: " + r);
        if (fields.length > 0) {
            Set<String> named = fieldsOf(body);
            for (String f : fields) {
                assertTrue(named.contains(f), () -> "errors[] does not name field " + f + ": " + r);
            }
        }
        return body;
    }

    /** The fields an error's {@code errors} array names. */
    public static Set<String> fieldsOf(JsonNode errorBody) {
        Set<String> out = new TreeSet<>();
        for (JsonNode e : errorBody.path("errors")) {
            out.add(e.path("field").asText());
        }
        return out;
    }

    /** The error code given for one field of an error body (MissingParameter, Invalid, NotAllowed), or null. */
    public static String fieldCode(JsonNode errorBody, String field) {
        for (JsonNode e : errorBody.path("errors")) {
            if (field.equals(e.path("field").asText())) {
                return e.path("code").asText();
            }
        }
        return null;
    }

    /** Parses a raw HTTP/1.1 answer (as {@link RawHttp} returns it) into status, headers and body. */
    public static ImgapiClient.Response parseRaw(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.1 ") || end < 0) {
            throw new AssertionError("not an HTTP answer: [" + raw + "]");
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        if (status == 100) {
            return parseRaw(raw.substring(end + 4));
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).trim(), k -> new ArrayList<>()).add(lines[i].substring(c + 1).trim());
        }
        String rest = raw.substring(end + 4);
        List<String> len = headers.get("Content-Length");
        if (len != null) {
            int n = Integer.parseInt(len.get(0));
            if (rest.length() < n) {
                throw new AssertionError("answer body shorter than its Content-Length: [" + raw + "]");
            }
            rest = rest.substring(0, n);
        }
        return new ImgapiClient.Response(status, headers, rest.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** What a daemon holds: catalog, blobs (in memory and on disk), bytes used, and temp files. */
    public record Snapshot(Map<String, String> catalog, Set<String> blobs, Set<String> blobFiles, long usedBytes,
            List<String> tmpFiles) {

        /**
         * Takes a snapshot once the store has settled: a deleted blob leaves the index at once and the disk a moment
         * later, so this waits until the files under {@code <data>/blobs} are exactly the indexed ones.
         */
        public static Snapshot of(Daemon d) {
            Path dir = d.config().data().dir();
            Await.until("the files under " + dir.resolve("blobs") + " to match the store's index", Duration.ofSeconds(10),
                    () -> indexed(d).equals(ApiAsserts.blobFiles(dir)));
            Map<String, String> catalog = new TreeMap<>();
            for (Manifest m : d.catalog().all()) {
                catalog.put(m.uuid(), new String(Json.bytes(m.toStoredJson()), java.nio.charset.StandardCharsets.UTF_8));
            }
            Set<String> blobs = new TreeSet<>();
            d.store().list().forEach(b -> blobs.add(b.sha1()));
            Path dataDir = d.config().data().dir();
            return new Snapshot(catalog, blobs, ApiAsserts.blobFiles(dataDir), d.store().usedBytes(), ApiAsserts.tmpFiles(dataDir));
        }

        /**
         * Asserts the daemon holds exactly what it held at this snapshot: no image created or changed, no blob
         * added, the same bytes used, and (once in-flight clean-up is done) nothing in {@code <data>/tmp}.
         */
        private static Set<String> indexed(Daemon d) {
            Set<String> blobs = new TreeSet<>();
            d.store().list().forEach(b -> blobs.add(b.sha1()));
            return blobs;
        }

        public void assertUnchanged(Daemon d) {
            Path dataDir = d.config().data().dir();
            Await.until("no temp files left in " + dataDir.resolve("tmp"), Duration.ofSeconds(10),
                    () -> ApiAsserts.tmpFiles(dataDir).isEmpty());
            Snapshot now = of(d);
            assertEquals(catalog, now.catalog, "the catalog changed");
            assertEquals(blobs, now.blobs, "the blob store's index changed");
            assertEquals(blobFiles, now.blobFiles, "files under <data>/blobs changed");
            assertEquals(usedBytes, now.usedBytes, "store().usedBytes() changed");
        }
    }

    /** Names of the files in {@code <data>/tmp} right now. */
    public static List<String> tmpFiles(Path dataDir) {
        return list(dataDir.resolve("tmp"), false);
    }

    /** Names of the blob files under {@code <data>/blobs} (every level). */
    public static Set<String> blobFiles(Path dataDir) {
        return new TreeSet<>(list(dataDir.resolve("blobs"), true));
    }

    private static List<String> list(Path dir, boolean deep) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = deep ? Files.walk(dir) : Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
