package io.imgfed.replicator.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/** A plain HTTP client for the OCI front's wire protocol, for tests that check exact statuses and headers. */
final class OciClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String authorization;

    OciClient(String base) {
        this(base, null);
    }

    OciClient(String base, String authorization) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.authorization = authorization;
    }

    record Response(int status, Map<String, java.util.List<String>> headers, byte[] body) {
        String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The first error code of a spec error body. */
        String errorCode() {
            return json().path("errors").path(0).path("code").asText(null);
        }
    }

    Response send(String method, String pathOrUrl, byte[] body, String... headers) {
        URI uri = URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A location header as a full URL. */
    String absolute(String location) {
        return location.startsWith("http") ? location : base + location;
    }

    /** Pushes a blob in one request (POST ?digest=); returns its digest. */
    String pushBlob(String repo, byte[] content) {
        String digest = digest(content);
        Response r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", "application/octet-stream");
        if (r.status() != 201) {
            throw new AssertionError("blob push answered " + r.status() + ": " + new String(r.body()));
        }
        return digest;
    }

    static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An OCI image manifest naming a config and layers (each given as digest and size). */
    static byte[] imageManifest(String configDigest, long configSize, String... layerDigestAndSize) {
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i < layerDigestAndSize.length; i += 2) {
            if (layers.length() > 0) {
                layers.append(',');
            }
            layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(layerDigestAndSize[i]).append("\",\"size\":").append(layerDigestAndSize[i + 1]).append('}');
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + configSize + "},\"layers\":[" + layers + "]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
