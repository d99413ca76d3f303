package io.imgfed.replicator.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.testkit.OpenSsh;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Sends one fuzzed request to a real daemon in this JVM and holds the answer to the client API's contract:
 * never a 5xx, and every error is IMGAPI's JSON with a {@code code} (under {@code /v2/}, the OCI front's spec error). Two daemons: one with {@code auth.mode:
 * none} (every caller an operator, so the fuzzer reaches every handler) and one with {@code auth.mode:
 * signature}, where the harness either signs the request properly (as the account's user or as an operator)
 * or leaves the fuzzed Authorization and Date headers to the auth code.
 *
 * <p>Input layout: the last byte holds the flags (bit 0: the signature daemon; bits 1-2 there: 0 = fuzzed
 * auth headers as they are, 1 = signed as the account's user, 2 = signed as an operator, 3 = signed with a
 * stale date; bit 3: a correct Content-MD5 for the body). The rest is the request as text: a request line
 * ({@code METHOD TARGET}), header lines, a blank line and the body. Placeholders in the target, headers and
 * body name the fixture images ({@code {A}} active with a file, {@code {B}} unactivated without one, {@code {C}}
 * another account's private image, {@code {N}} no image, {@code {R}} a new uuid each time), accounts ({@code {O}} the owner, {@code {P}}
 * another) and A's file ({@code {SHA1}}). The harness keeps the framing valid (it sets Host and
 * Content-Length, drops hop-by-hop headers, percent-encodes what cannot go into a request line) and leaves
 * everything else to the daemon.
 */
final class HttpApiHarness implements AutoCloseable {
    static final String OWNER = "11111111-1111-4111-8111-111111111111";
    static final String OTHER = "22222222-2222-4222-8222-222222222222";
    static final String OPERATOR = "ops";
    static final String A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    static final String B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    static final String C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
    static final String N = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";
    static final byte[] FILE_A = "the file of fixture image A\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] FILE_C = "the file of fixture image C\n".getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> FRAMING = Set.of("host", "content-length", "transfer-encoding", "connection",
            "upgrade", "keep-alive", "te", "trailer", "proxy-connection", "http2-settings");
    private static final Set<String> ERROR_CODES;
    static {
        java.util.HashSet<String> codes = new java.util.HashSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            codes.add(c.wireName());
        }
        ERROR_CODES = Set.copyOf(codes);
    }
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

    /** What an answer was, for the seed checks: refused by the client API, or served. */
    enum Outcome { CLIENT_ERROR, OK }

    private final KeyPair key;
    private final TestDaemon open;
    private final TestDaemon signed;
    private final KeepAliveClient openClient;
    private final KeepAliveClient signedClient;
    /** Numbers the fresh uuids that {@code {R}} stands for. */
    private long fresh;

    private HttpApiHarness(KeyPair key, TestDaemon open, TestDaemon signed) {
        this.key = key;
        this.open = open;
        this.signed = signed;
        this.openClient = client(open);
        this.signedClient = client(signed);
    }

    private static KeepAliveClient client(TestDaemon d) {
        URI u = URI.create(d.url());
        return new KeepAliveClient(u.getHost(), u.getPort(), 15_000);
    }

    /** Starts both daemons under {@code dir} and creates the fixture images in each. */
    static HttpApiHarness start(Path dir) throws IOException, GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = g.generateKeyPair();
        Path keys = Files.createDirectories(dir.resolve("keys"));
        String line = OpenSsh.publicLine(key.getPublic(), "fuzz") + "\n";
        Files.writeString(keys.resolve(OWNER + ".pub"), line);
        Files.writeString(keys.resolve(OTHER + ".pub"), line);
        Files.writeString(keys.resolve(OPERATOR + ".pub"), line);
        TestDaemon open = TestDaemon.start(dir.resolve("open"), """
                dc: fuzz-open
                federation: {cluster: fuzz-open}
                """);
        TestDaemon signed;
        try {
            signed = TestDaemon.start(dir.resolve("signed"), """
                    dc: fuzz-signed
                    federation: {cluster: fuzz-signed}
                    auth: {mode: signature, keys: "%s", operators: [%s]}
                    """.formatted(keys.toString().replace("\\", "\\\\"), OPERATOR));
        } catch (RuntimeException e) {
            open.close();
            throw e;
        }
        HttpApiHarness h = new HttpApiHarness(key, open, signed);
        h.ensureFixtures(open, h.openClient, false);
        h.ensureFixtures(signed, h.signedClient, true);
        return h;
    }

    Outcome run(FuzzedDataProvider d) throws IOException {
        int flags = d.consumeByte() & 0xff;
        boolean toSigned = (flags & 1) != 0;
        int auth = (flags >>> 1) & 3;
        boolean md5 = (flags & 8) != 0;
        byte[] text = d.consumeRemainingAsBytes();

        TestDaemon daemon = toSigned ? signed : open;
        KeepAliveClient client = toSigned ? signedClient : openClient;
        ensureFixtures(daemon, client, toSigned);

        int split = indexOf(text, "\n\n".getBytes(StandardCharsets.US_ASCII));
        int crlf = indexOf(text, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        int bodyAt;
        if (crlf >= 0 && (split < 0 || crlf < split)) {
            split = crlf;
            bodyAt = crlf + 4;
        } else {
            bodyAt = split < 0 ? text.length : split + 2;
        }
        String freshUuid = String.format("eeeeeeee-eeee-4eee-8eee-%012x", ++fresh);
        String headText = substitute(new String(text, 0, split < 0 ? text.length : split, StandardCharsets.UTF_8), freshUuid);
        byte[] body = substitute(java.util.Arrays.copyOfRange(text, bodyAt, text.length), freshUuid);

        String[] lines = headText.replace("\r", "").split("\n", -1);
        String[] requestLine = lines[0].trim().split("[ \t]+");
        String method = token(requestLine.length > 0 ? requestLine[0] : "");
        if (method.isEmpty()) {
            method = "GET";
        }
        String target = requestLine.length > 1 ? requestTarget(requestLine[1]) : "/";
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(URI.create(daemon.url()).getAuthority()).append("\r\n");
        boolean signing = toSigned && auth != 0;
        int headers = 0;
        for (int i = 1; i < lines.length && headers < 40; i++) {
            int colon = lines[i].indexOf(':');
            String name = token(colon < 0 ? lines[i] : lines[i].substring(0, colon));
            String lower = name.toLowerCase(Locale.ROOT);
            if (name.isEmpty() || FRAMING.contains(lower)
                    || (signing && (lower.equals("authorization") || lower.equals("date")))
                    || (md5 && lower.equals("content-md5"))) {
                continue;
            }
            head.append(name).append(": ").append(headerValue(colon < 0 ? "" : lines[i].substring(colon + 1)))
                    .append("\r\n");
            headers++;
        }
        if (md5 && body.length > 0) {
            head.append("Content-MD5: ").append(Base64.getEncoder().encodeToString(digest("MD5", body))).append("\r\n");
        }
        if (signing) {
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            String date = HTTP_DATE.format(auth == 3 ? now.minusHours(1) : now);
            String user = auth == 2 ? OPERATOR : OWNER;
            head.append("Date: ").append(date).append("\r\n");
            head.append("Authorization: ").append(authorization(user, method, target, date)).append("\r\n");
        }

        KeepAliveClient.Response r = client.exchange(method, head.toString(), body);
        String where = method + " " + target;
        if (r.status() >= 500 && !(r.status() == 503 && target.startsWith("/readyz"))) {
            throw new AssertionError(where + " answered " + r.status() + ": " + r.text());
        }
        if (signing && auth != 3 && r.status() == 401) {
            throw new AssertionError(where + ": a properly signed request was refused: " + r.text());
        }
        String type = r.header("Content-Type");
        if (r.status() >= 400) {
            if (type == null || !type.startsWith("application/json")) {
                throw new AssertionError(where + " answered " + r.status() + " with Content-Type " + type + ": " + r.text());
            }
            // The router matches the normalised path: "//v2/x" is the OCI front's "/v2/x".
            String path = (target.contains("?") ? target.substring(0, target.indexOf('?')) : target).replaceAll("/{2,}", "/");
            boolean ociPath = path.startsWith("/v2") || path.equals("/federation/availability");
            // IMGAPI's errors have a top-level code (and may list field errors under "errors"); the spec's have not.
            if (!method.equals("HEAD") && ociPath && json(where, r).has("errors") && !json(where, r).has("code")) {
                // The OCI front (and the OCI form of the availability query) answers in the Distribution Spec's
                // format, each code with its status.
                JsonNode first = json(where, r).path("errors").path(0);
                String code = first.path("code").asText("");
                if (code.isBlank() || !first.path("message").isTextual()) {
                    throw new AssertionError(where + " answered " + r.status() + " without an OCI error: " + r.text());
                }
                java.util.Optional<io.imgfed.protocol.oci.OciErrorCode> known = io.imgfed.protocol.oci.OciErrorCode.fromWireName(code);
                if (known.isEmpty() || (known.get().httpStatus() != r.status() && r.status() != 507)) {
                    throw new AssertionError(where + " answered " + r.status() + " with OCI code " + code);
                }
            } else if (!method.equals("HEAD")) {
                JsonNode err = json(where, r);
                String code = err.path("code").asText("");
                if (!err.isObject() || code.isBlank() || !err.path("message").isTextual()) {
                    throw new AssertionError(where + " answered " + r.status() + " without an IMGAPI error: " + r.text());
                }
                // IMGAPI's codes come with their own status; HTTP-level ones (RequestURITooLong...) are not in the enum.
                if (ERROR_CODES.contains(code) && ErrorCode.fromWireName(code).httpStatus() != r.status()) {
                    throw new AssertionError(where + " answered " + r.status() + " with code " + code);
                }
            }
            return Outcome.CLIENT_ERROR;
        }
        if (type != null && type.startsWith("application/json") && !method.equals("HEAD")) {
            json(where, r);
        }
        return Outcome.OK;
    }

    private static JsonNode json(String where, KeepAliveClient.Response r) {
        try {
            return Json.tree(r.body());
        } catch (IllegalArgumentException e) {
            throw new AssertionError(where + " answered " + r.status() + " with a body that is not JSON: " + r.text());
        }
    }

    /**
     * Keeps the fixture images as the placeholders promise: A and C active with a file, B unactivated without
     * one. The fuzzer may delete, disable or fill them; they are put back (as an operator) before each input.
     */
    private void ensureFixtures(TestDaemon daemon, KeepAliveClient client, boolean sign) throws IOException {
        var catalog = daemon.daemon().catalog();
        Optional<Manifest> a = catalog.get(A);
        if (a.isEmpty() || a.get().file() == null || !a.get().activated()) {
            recreate(client, sign, A, OWNER, FILE_A);
        }
        Optional<Manifest> b = catalog.get(B);
        if (b.isEmpty() || b.get().file() != null || b.get().activated()) {
            recreate(client, sign, B, OWNER, null);
        }
        Optional<Manifest> c = catalog.get(C);
        if (c.isEmpty() || c.get().file() == null || !c.get().activated()) {
            recreate(client, sign, C, OTHER, FILE_C);
        }
    }

    private void recreate(KeepAliveClient client, boolean sign, String uuid, String owner, byte[] file) throws IOException {
        setup(client, sign, "DELETE", "/images/" + uuid, new byte[0], 204, 404);
        String manifest = """
                {"uuid":"%s","owner":"%s","name":"fixture-%s","version":"1.0.0","type":"zone-dataset","os":"smartos",
                 "tags":{"role":"fixture"},"billing_tags":["fuzz"]}""".formatted(uuid, owner, uuid.substring(0, 1));
        setup(client, sign, "POST", "/images/" + uuid + "?action=import", manifest.getBytes(StandardCharsets.UTF_8), 200);
        if (file != null) {
            setup(client, sign, "PUT", "/images/" + uuid + "/file?compression=none&sha1="
                    + HexFormat.of().formatHex(digest("SHA-1", file)), file, 200);
            setup(client, sign, "POST", "/images/" + uuid + "?action=activate", new byte[0], 200);
        }
    }

    private void setup(KeepAliveClient client, boolean sign, String method, String target, byte[] body, int... ok)
            throws IOException {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: fuzz\r\n");
        if (body.length > 0) {
            head.append("Content-Type: application/json\r\n");
        }
        if (sign) {
            String date = HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
            head.append("Date: ").append(date).append("\r\nAuthorization: ")
                    .append(authorization(OPERATOR, method, target, date))
                    .append("\r\n");
        }
        KeepAliveClient.Response r = client.exchange(method, head.toString(), body);
        for (int s : ok) {
            if (r.status() == s) {
                return;
            }
        }
        throw new IllegalStateException("fixture setup " + method + " " + target + " answered " + r.status() + ": " + r.text());
    }

    /** IMGAPI's HTTP Signature over the request target and the Date header (here with an EC P-256 key). */
    private String authorization(String user, String method, String target, String date) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key.getPrivate());
            s.update(("(request-target): " + method.toLowerCase(Locale.ROOT) + " " + target + "\ndate: " + date)
                    .getBytes(StandardCharsets.UTF_8));
            return "Signature keyId=\"" + user + "\",algorithm=\"ecdsa-sha256\",headers=\"(request-target) date\",signature=\""
                    + Base64.getEncoder().encodeToString(s.sign()) + "\"";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String substitute(String s, String fresh) {
        return s.replace("{R}", fresh).replace("{A}", A).replace("{B}", B).replace("{C}", C).replace("{N}", N).replace("{O}", OWNER)
                .replace("{P}", OTHER).replace("{SHA1}", HexFormat.of().formatHex(digest("SHA-1", FILE_A)));
    }

    private static byte[] substitute(byte[] body, String fresh) {
        if (indexOf(body, new byte[] {'{'}) < 0) {
            return body;
        }
        // Placeholders are ASCII; Latin-1 maps every other byte to itself, so binary bodies survive.
        return substitute(new String(body, StandardCharsets.ISO_8859_1), fresh).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Keeps an HTTP token's characters only. */
    private static String token(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.trim().toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0) {
                sb.append(c);
            }
        }
        return sb.length() > 64 ? sb.substring(0, 64) : sb.toString();
    }

    /** Visible ASCII as is (so malformed escapes and odd characters reach the daemon); the rest percent-encoded. */
    private static String requestTarget(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.length() > 6000 ? sb.substring(0, 6000) : sb.toString();
    }

    /** A header value without line breaks or other control characters; Latin-1 on the wire. */
    private static String headerValue(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.trim().toCharArray()) {
            if (c == '\t' || (c >= 0x20 && c != 0x7f && c <= 0xff)) {
                sb.append(c);
            } else if (c > 0xff) {
                sb.append('?');
            }
        }
        return sb.length() > 2000 ? sb.substring(0, 2000) : sb.toString();
    }

    private static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= data.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] digest(String alg, byte[] data) {
        try {
            return MessageDigest.getInstance(alg).digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        openClient.close();
        signedClient.close();
        List<RuntimeException> failures = new ArrayList<>();
        for (TestDaemon d : List.of(open, signed)) {
            try {
                d.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
