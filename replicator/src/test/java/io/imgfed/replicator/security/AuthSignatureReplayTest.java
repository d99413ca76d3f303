package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay of signed requests (issue 12, item 5): a signature covers the method and path ({@code (request-target)})
 * and the date header that is checked for freshness; an unsigned date header beside it proves nothing. A
 * signature over the date alone, as sdc-clients makes it, is refused unless {@code auth.dateOnlySignatures}.
 */
class AuthSignatureReplayTest {
    static final Duration STALE = Duration.ofMinutes(6);

    @TempDir
    static Path dir;
    static TestDaemon strict;
    static TestDaemon dateOnly;
    static KeyPair admin;
    static String image;

    @BeforeAll
    static void start() throws Exception {
        admin = SecurityKit.ed25519();
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.writeString(keys.resolve("admin.pub"), SecurityKit.sshLine(admin.getPublic(), "admin") + "\n");
        String auth = "auth: {mode: signature, keys: " + keys + ", operators: [admin]";
        strict = TestDaemon.start(dir.resolve("strict"), auth + "}\n");
        dateOnly = TestDaemon.start(dir.resolve("date-only"), auth + ", dateOnlySignatures: true}\n");
        ImgapiClient.Response created = send(strict, "POST", "/images", ImgapiClient.manifest("replayed", "1.0.0").toString(),
                "Date", now(), "Authorization", signed("POST", "/images", now()));
        assertEquals(200, created.status(), created.toString());
        image = created.json().path("uuid").asText();
    }

    @AfterAll
    static void stop() {
        for (TestDaemon d : new TestDaemon[] {strict, dateOnly}) {
            if (d != null) {
                d.close();
            }
        }
    }

    static String now() {
        return SecurityKit.httpDate(Instant.now());
    }

    static String stale() {
        return SecurityKit.httpDate(Instant.now().minus(STALE));
    }

    /** Signed as imgfed requires, over "(request-target) date". */
    static String signed(String method, String target, String date) {
        return SecurityKit.signature("admin", "ed25519", admin.getPrivate(), method, target, date);
    }

    /** Signed over whatever {@code headers} names, with the given signing string. */
    static String signedOver(String headers, String signingString) {
        return SecurityKit.sign("admin", "ed25519", admin.getPrivate(), headers, signingString);
    }

    static ImgapiClient.Response send(TestDaemon d, String method, String path, String body, String... headers) {
        ImgapiClient c = d.client();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.base() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return c.send(b);
    }

    /** A 401 in IMGAPI's format whose error names {@code field}. */
    static void assertRefused(ImgapiClient.Response r, String field, String what) {
        assertEquals(401, r.status(), what + ": " + r);
        assertEquals("Unauthorized", r.code(), what + ": " + r);
        assertEquals(field, r.json().path("errors").path(0).path("field").asText(), what + ": " + r);
        assertTrue(r.header("WWW-Authenticate").contains("(request-target) date"), what + ": " + r.header("WWW-Authenticate"));
    }

    @Test
    void aSignatureOverTheDateAloneIsRefusedByDefault() {
        String date = now();
        String sdcClients = SecurityKit.dateOnlySignature("admin", "ed25519", admin.getPrivate(), date);
        ImgapiClient.Response r = send(strict, "GET", "/images", null, "Date", date, "Authorization", sdcClients);
        assertRefused(r, "Authorization", "a signature over the date alone");
        assertTrue(r.json().path("message").asText().contains("(request-target)"), r.toString());
        // The same request signed over the request target as well gets in.
        assertEquals(200, send(strict, "GET", "/images", null, "Date", date, "Authorization", signed("GET", "/images", date))
                .status());
    }

    @Test
    void aSignatureIsBoundToItsMethodAndPath() {
        String date = now();
        String forGet = signed("GET", "/images/" + image, date);
        assertEquals(200, send(strict, "GET", "/images/" + image, null, "Date", date, "Authorization", forGet).status());
        assertRefused(send(strict, "DELETE", "/images/" + image, null, "Date", date, "Authorization", forGet),
                "Authorization", "a GET's signature replayed as a DELETE");
        assertRefused(send(strict, "GET", "/images/" + image + "?account=" + UUID.randomUUID(), null, "Date", date,
                "Authorization", forGet), "Authorization", "replayed with another query");
        assertRefused(send(strict, "GET", "/images/" + UUID.randomUUID(), null, "Date", date, "Authorization", forGet),
                "Authorization", "replayed to another path");
        assertEquals(200, send(strict, "GET", "/images/" + image, null, "Date", date, "Authorization", forGet).status(),
                "the image is still there");
    }

    /** The experiment: refused once stale, the request got in again with a fresh, unsigned Date added. */
    @Test
    void aStaleSignedXDateIsNotRescuedByAFreshUnsignedDate() {
        String old = stale();
        String overXDate = signedOver("(request-target) x-date", "(request-target): get /images\nx-date: " + old);
        assertRefused(send(strict, "GET", "/images", null, "X-Date", old, "Authorization", overXDate), "X-Date",
                "a stale signed X-Date");
        assertRefused(send(strict, "GET", "/images", null, "X-Date", old, "Date", now(), "Authorization", overXDate),
                "X-Date", "a stale signed X-Date beside a fresh unsigned Date");
        String fresh = now();
        assertEquals(200, send(strict, "GET", "/images", null, "X-Date", fresh, "Date", old, "Authorization",
                signedOver("(request-target) x-date", "(request-target): get /images\nx-date: " + fresh)).status(),
                "a fresh signed X-Date; the unsigned Date beside it does not matter");
    }

    @Test
    void whenBothDatesAreSignedBothMustBeFresh() {
        String fresh = now();
        String old = stale();
        String headers = "(request-target) date x-date";
        assertEquals(200, send(strict, "GET", "/images", null, "Date", fresh, "X-Date", fresh, "Authorization",
                signedOver(headers, "(request-target): get /images\ndate: " + fresh + "\nx-date: " + fresh)).status());
        assertRefused(send(strict, "GET", "/images", null, "Date", fresh, "X-Date", old, "Authorization",
                signedOver(headers, "(request-target): get /images\ndate: " + fresh + "\nx-date: " + old)), "X-Date",
                "a stale signed X-Date beside a fresh signed Date");
        assertRefused(send(strict, "GET", "/images", null, "Date", old, "X-Date", fresh, "Authorization",
                signedOver(headers, "(request-target): get /images\ndate: " + old + "\nx-date: " + fresh)), "Date",
                "a stale signed Date beside a fresh signed X-Date");
    }

    @Test
    void everyRefusalNamesTheHeaderToFix() {
        String date = now();
        assertRefused(send(strict, "GET", "/images", null), "Authorization", "unsigned");
        assertRefused(send(strict, "GET", "/images", null, "Date", date, "Authorization", "Signature keyId=\"admin\""),
                "Authorization", "malformed");
        assertRefused(send(strict, "GET", "/images", null, "Date", date, "Authorization",
                signedOver("(request-target)", "(request-target): get /images")), "Authorization", "no date signed");
        assertRefused(send(strict, "GET", "/images", null, "Date", date, "Authorization",
                SecurityKit.signature("admin", "ed25519", SecurityKit.ed25519().getPrivate(), "GET", "/images", date)),
                "Authorization", "another key");
        String old = stale();
        assertRefused(send(strict, "GET", "/images", null, "Date", old, "Authorization", signed("GET", "/images", old)),
                "Date", "stale");
        assertRefused(send(strict, "GET", "/images", null, "Authorization", signed("GET", "/images", date)), "Date",
                "no Date header");
        assertRefused(send(strict, "GET", "/images", null, "Date", "yesterday", "Authorization", signed("GET", "/images", date)),
                "Date", "unparsable Date");
        assertRefused(send(strict, "GET", "/images", null, "Date", date, "Date", old, "Authorization",
                signed("GET", "/images", date)), "Date", "two Date headers");
    }

    @Test
    void withDateOnlySignaturesTheSignatureOfSdcClientsIsAccepted() {
        String date = now();
        String sdcClients = SecurityKit.dateOnlySignature("admin", "ed25519", admin.getPrivate(), date);
        assertEquals(200, send(dateOnly, "GET", "/images", null, "Date", date, "Authorization", sdcClients).status());
        // What the setting gives away, within the skew: the same signature is good for another path.
        assertEquals(200, send(dateOnly, "GET", "/federation/dcs", null, "Date", date, "Authorization", sdcClients).status());
        assertEquals(200, send(dateOnly, "GET", "/images", null, "Date", date, "Authorization", signed("GET", "/images", date))
                .status(), "full signatures still work");
        // Freshness still holds: outside the skew, a date-only signature is refused like any other.
        String old = stale();
        assertRefused(send(dateOnly, "GET", "/images", null, "Date", old, "Authorization",
                SecurityKit.dateOnlySignature("admin", "ed25519", admin.getPrivate(), old)), "Date", "stale, date only");
        String overXDate = SecurityKit.sign("admin", "ed25519", admin.getPrivate(), "x-date", "x-date: " + old);
        assertRefused(send(dateOnly, "GET", "/images", null, "X-Date", old, "Date", now(), "Authorization", overXDate),
                "X-Date", "stale signed X-Date, fresh unsigned Date, date only");
    }
}
