package io.imgfed.replicator.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/** A small blocking IMGAPI client for tests: raw responses plus shortcuts for the usual image life cycle. */
public final class ImgapiClient {
    public static final String OWNER = "930896af-bf8c-48d4-885c-6573a94b1853";

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public ImgapiClient(String base) {
        this.base = base;
    }

    public String base() {
        return base;
    }

    /** An HTTP answer: status, headers (first value per name, lower-cased), body. */
    public record Response(int status, Map<String, java.util.List<String>> headers, byte[] body) {
        public String header(String name) {
            for (Map.Entry<String, java.util.List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public JsonNode json() {
            return Json.tree(body);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The IMGAPI error code of an error answer. */
        public String code() {
            return json().path("code").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Response get(String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        headers.forEach(b::header);
        return send(b);
    }

    /** A file answer read as a stream and hashed, never held in memory: for big files and many clients. */
    public record Digested(int status, Map<String, java.util.List<String>> headers, long length, String sha1) {
        public String header(String name) {
            return new Response(status, headers, new byte[0]).header(name);
        }
    }

    public Digested getDigest(String path) {
        try {
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(uri(path)).GET()
                    .timeout(Duration.ofSeconds(300)).build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            long n = 0;
            try (java.io.InputStream in = r.body()) {
                byte[] buf = new byte[64 * 1024];
                int k;
                while ((k = in.read(buf)) >= 0) {
                    sha1.update(buf, 0, k);
                    n += k;
                }
            }
            return new Digested(r.statusCode(), r.headers().map(), n, HexFormat.of().formatHex(sha1.digest()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Response head(String path) {
        return send(HttpRequest.newBuilder(uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    public Response post(String path, String jsonBody) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody)));
    }

    public Response post(String path, JsonNode body) {
        return post(path, new String(Json.bytes(body), StandardCharsets.UTF_8));
    }

    public Response put(String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> r = http.send(request.timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A minimal valid CreateImage body for the test owner; callers add or replace fields. */
    public static ObjectNode manifest(String name, String version) {
        ObjectNode o = Json.object();
        o.put("owner", OWNER);
        o.put("name", name);
        o.put("version", version);
        o.put("type", "zone-dataset");
        o.put("os", "smartos");
        return o;
    }

    /** Creates an image and returns its uuid; fails the test if the daemon refuses. */
    public String create(ObjectNode manifest) {
        Response r = post("/images", manifest);
        if (r.status() != 200) {
            throw new AssertionError("CreateImage failed: " + r);
        }
        return r.json().path("uuid").asText();
    }

    public Response upload(String uuid, byte[] file) {
        return put("/images/" + uuid + "/file?compression=none&sha1=" + sha1(file), file);
    }

    /** Creates, uploads and activates an image with this file; returns its uuid. */
    public String activeImage(String name, byte[] file) {
        String uuid = create(manifest(name, "1.0.0"));
        Response up = upload(uuid, file);
        if (up.status() != 200) {
            throw new AssertionError("AddImageFile failed: " + up);
        }
        Response act = post("/images/" + uuid + "?action=activate", "{}");
        if (act.status() != 200) {
            throw new AssertionError("ActivateImage failed: " + act);
        }
        return uuid;
    }

    public static String sha1(byte[] data) {
        return digest("SHA-1", data);
    }

    public static String md5Base64(byte[] data) {
        try {
            return java.util.Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String digest(String alg, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }
}
