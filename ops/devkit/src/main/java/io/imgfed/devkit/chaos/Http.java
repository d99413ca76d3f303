package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The runner's HTTP client. Calls never throw on network trouble: a failed call is an answer with status -1
 * and the kind of failure, because under faults failing is what is being observed.
 */
final class Http implements AutoCloseable {
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "chaos-http");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(executor).build();

    /** An answer read whole. */
    record Resp(int status, java.util.Map<String, java.util.List<String>> headers, byte[] body, String error) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        JsonNode json() {
            return Json.tree(body);
        }

        String text() {
            return body == null ? "" : new String(body, StandardCharsets.UTF_8);
        }

        /** The JSON error code of an error answer, or its failure. */
        String describe() {
            if (status < 0) {
                return error;
            }
            String code = "";
            try {
                code = " " + json().path("code").asText("") + ": " + json().path("message").asText("");
            } catch (RuntimeException notJson) {
                code = " " + text();
            }
            return status + code;
        }
    }

    Resp get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), Duration.ofSeconds(30));
    }

    JsonNode getJson(String url) {
        Resp r = get(url);
        if (r.status() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.describe());
        }
        return r.json();
    }

    Resp post(String url, String json) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), Duration.ofSeconds(60));
    }

    Resp put(String url, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)), Duration.ofSeconds(120));
    }

    Resp delete(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).DELETE(), Duration.ofSeconds(60));
    }

    Resp send(HttpRequest.Builder b, Duration timeout) {
        try {
            HttpResponse<byte[]> r = client.send(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Resp(r.statusCode(), r.headers().map(), r.body(), null);
        } catch (IOException e) {
            return new Resp(-1, java.util.Map.of(), new byte[0], kind(e) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Resp(-1, java.util.Map.of(), new byte[0], "interrupted");
        }
    }

    /**
     * A GetImageFile as a provisioning client makes it: the body is hashed (sha1, md5) as it streams; the
     * outcome says whether it arrived whole.
     */
    record Download(int status, long bytes, long contentLength, String sha1, String md5, String contentMd5,
            String cache, String source, String failure, String errorBody, double seconds) {

        /** A 200 whose body ended cleanly (it may still be the wrong bytes: compare the digests). */
        boolean complete() {
            return status == 200 && failure == null;
        }

        /** What happened, in one word: ok, http_503, reset, timeout, connect, ... (digests not compared). */
        String kind() {
            if (failure != null) {
                return failure.substring(0, failure.indexOf(':') < 0 ? failure.length() : failure.indexOf(':'));
            }
            return status == 200 ? "ok" : "http_" + status;
        }

        /** Whether this answer delivered exactly the expected file, announced with the right Content-MD5. */
        boolean matches(String expectedSha1, String expectedMd5, long size) {
            return complete() && bytes == size && contentLength == size && expectedSha1.equals(sha1)
                    && expectedMd5.equals(md5) && expectedMd5.equals(contentMd5);
        }

        @Override
        public String toString() {
            return kind() + (status > 0 ? " status " + status : "") + ", " + bytes + " bytes" + (cache == null ? ""
                    : ", cache " + cache) + (source == null ? "" : ", source " + source) + (failure == null ? ""
                    : ", " + failure) + (errorBody == null ? "" : ", body " + errorBody);
        }
    }

    /**
     * Downloads with a blocking connection whose every read has a deadline ({@code readTimeout}), so a stream
     * that stalls ends as a timeout instead of hanging the client.
     */
    Download download(String url, Duration readTimeout) {
        long t0 = System.nanoTime();
        MessageDigest sha1 = digest("SHA-1");
        MessageDigest md5 = digest("MD5");
        long got = 0;
        int status = -1;
        long length = -1;
        String cache = null;
        String source = null;
        String contentMd5 = null;
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setUseCaches(false);
            status = c.getResponseCode();
            length = c.getContentLengthLong();
            cache = c.getHeaderField("X-Imgfed-Cache");
            source = c.getHeaderField("X-Imgfed-Source");
            contentMd5 = c.getHeaderField("Content-MD5");
            if (status != 200) {
                String body = "";
                InputStream err = c.getErrorStream();
                if (err != null) {
                    try (InputStream in = err) {
                        body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                    }
                }
                return new Download(status, 0, length, null, null, contentMd5, cache, source, null, body, Await.seconds(t0));
            }
            byte[] buf = new byte[256 * 1024];
            try (InputStream in = c.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    sha1.update(buf, 0, n);
                    md5.update(buf, 0, n);
                    got += n;
                }
            }
            String failure = length >= 0 && got != length ? "truncated: " + got + " of " + length + " bytes" : null;
            return new Download(200, got, length, HexFormat.of().formatHex(sha1.digest()),
                    Base64.getEncoder().encodeToString(md5.digest()), contentMd5, cache, source, failure, null,
                    Await.seconds(t0));
        } catch (IOException e) {
            if (c != null) {
                c.disconnect();
            }
            return new Download(status, got, length, null, null, contentMd5, cache, source,
                    kind(e) + ": " + e.getMessage(), null, Await.seconds(t0));
        }
    }

    /** A failure's kind: timeout, connect (refused or unreachable) or reset (the connection broke mid-answer). */
    static String kind(IOException e) {
        if (e instanceof HttpTimeoutException || e instanceof java.net.SocketTimeoutException) {
            return "timeout";
        }
        if (e instanceof ConnectException || (e.getCause() instanceof ConnectException)) {
            return "connect";
        }
        return "reset";
    }

    static MessageDigest digest(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
