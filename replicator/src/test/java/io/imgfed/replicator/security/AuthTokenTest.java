package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.replicator.config.ConfigException;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code auth.mode: token}: bearer tokens from {@code auth.tokens}. Also where secrets must never appear: every
 * log line the daemon writes while serving authenticated and refused requests (DEBUG included) is captured and
 * searched for the tokens and Authorization values.
 */
class AuthTokenTest {
    static final String ACCOUNT = "3f1c1f44-7a8e-4b8e-9f59-1d0c3a8e2b61";
    static final String OTHER = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    static final String ADMIN_TOKEN = "adm1n-T0ken-" + UUID.randomUUID();
    static final String USER_TOKEN = "us3r-T0ken-" + UUID.randomUUID();
    static final String WRONG_TOKEN = "wr0ng-T0ken-" + UUID.randomUUID();
    static final java.util.regex.Pattern BEARER_VALUE =
            java.util.regex.Pattern.compile("(?i)bearer\\s+(?!<token>)[A-Za-z0-9._~+/=-]{6,}");
    static final String SIGNATURE_SECRET = "c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ";

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient http;
    static ListAppender<ILoggingEvent> logs;
    static Level rootLevel;

    @BeforeAll
    static void start() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("imgfed.access")).setLevel(Level.DEBUG);

        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# operators and users\n" + ADMIN_TOKEN + " admin\n" + USER_TOKEN + " " + ACCOUNT + "\n");
        daemon = TestDaemon.start(dir.resolve("data"), "auth: {mode: token, tokens: " + tokens + ", keys: "
                + dir.resolve("no-keys") + ", operators: [admin]}\n");
        http = daemon.client();
    }

    @AfterAll
    static void stop() {
        try {
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.detachAppender(logs);
            root.setLevel(rootLevel);
            ((Logger) LoggerFactory.getLogger("imgfed.access")).setLevel(null);
        }
    }

    private static ImgapiClient.Response send(String method, String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http.base() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b);
    }

    private static ImgapiClient.Response admin(String method, String path, String body) {
        return send(method, path, body, "Bearer " + ADMIN_TOKEN);
    }

    private static ImgapiClient.Response user(String method, String path, String body) {
        return send(method, path, body, "Bearer " + USER_TOKEN);
    }

    private static void assertUnauthorized(ImgapiClient.Response r, String what) {
        assertEquals(401, r.status(), what + ": " + r);
        assertEquals("Unauthorized", r.code(), what);
        assertNotNull(r.header("WWW-Authenticate"), what);
    }

    @Test
    void tokensAuthenticate() {
        assertUnauthorized(send("GET", "/images", null, null), "no token");
        assertUnauthorized(send("GET", "/images", null, "Bearer " + WRONG_TOKEN), "unknown token");
        assertUnauthorized(send("GET", "/images", null, "Bearer "), "empty token");
        assertUnauthorized(send("GET", "/images", null, ADMIN_TOKEN), "token without the Bearer scheme");
        assertUnauthorized(send("GET", "/images", null, "Bearer " + ADMIN_TOKEN.substring(1)), "a token's suffix");
        assertUnauthorized(send("GET", "/images", null, "Bearer " + ADMIN_TOKEN + "x"), "a token plus a character");
        assertUnauthorized(send("GET", "/images", null, "Signature keyId=\"admin\",algorithm=\"rsa-sha256\",signature=\""
                + SIGNATURE_SECRET + "\""), "a signature where a token is expected");
        assertUnauthorized(send("POST", "/images", ImgapiClient.manifest("x", "1.0.0").toString(), null), "unauthenticated write");

        assertEquals(200, admin("GET", "/images", null).status());
        assertEquals(200, send("GET", "/images", null, "bearer " + ADMIN_TOKEN).status(), "scheme is case-insensitive");
        assertEquals(200, user("GET", "/images", null).status());
        assertEquals(200, http.get("/ping").status());
        assertEquals(200, http.get("/healthz").status());
        assertEquals(200, http.get("/metrics").status());
    }

    @Test
    void userAndOperatorRights() {
        ImgapiClient.Response other = user("GET", "/images?account=" + OTHER, null);
        assertEquals(403, other.status(), other.toString());
        assertEquals("Forbidden", other.code());

        ObjectNode m = ImgapiClient.manifest("mine", "1.0.0");
        m.remove("owner");
        ImgapiClient.Response created = user("POST", "/images", m.toString());
        assertEquals(200, created.status(), created.toString());
        assertEquals(ACCOUNT, created.json().path("owner").asText());

        String uuid = UUID.randomUUID().toString();
        ObjectNode imp = ImgapiClient.manifest("imported", "1.0.0");
        imp.put("uuid", uuid);
        ImgapiClient.Response userImport = user("POST", "/images/" + uuid + "?action=import", imp.toString());
        assertEquals(403, userImport.status(), userImport.toString());
        assertEquals("OperatorOnly", userImport.code());
        ImgapiClient.Response adminImport = admin("POST", "/images/" + uuid + "?action=import", imp.toString());
        assertEquals(200, adminImport.status(), adminImport.toString());

        assertEquals(404, user("GET", "/images/" + uuid, null).status(), "the imported image is private to its owner");
        assertFalse(user("GET", "/images?state=all", null).text().contains(uuid));
        assertEquals(200, admin("GET", "/images/" + uuid + "?account=" + ImgapiClient.OWNER, null).status());
        assertEquals(404, admin("GET", "/images/" + uuid + "?account=" + OTHER, null).status());
        assertEquals(403, user("GET", "/transfers", null).status());
        assertEquals(200, admin("GET", "/transfers", null).status());
    }

    @Test
    void badTokenFilesStopStartupWithoutPrintingTheToken() throws Exception {
        Path tokens = dir.resolve("short-tokens");
        String shortToken = "sh0rtTok";
        Files.writeString(tokens, shortToken + " admin\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestDaemon.start(dir.resolve("data2"),
                "auth: {mode: token, tokens: " + tokens + "}\n").close());
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof ConfigException)) {
            cause = cause.getCause();
        }
        assertTrue(cause instanceof ConfigException, "a configuration error: " + e);
        assertEquals("auth", ((ConfigException) cause).key());
        assertFalse(cause.getMessage().contains(shortToken), cause.getMessage());
    }

    /** Makes its own traffic (test order is unspecified) and searches everything logged since the daemon started. */
    @Test
    void secretsAreNeverLogged() {
        // Traffic that touches every auth path: good and bad tokens, signatures, failures deep in the handlers.
        admin("GET", "/images", null);
        user("GET", "/images?account=" + OTHER, null);
        send("GET", "/images", null, "Bearer " + WRONG_TOKEN);
        send("GET", "/images/" + UUID.randomUUID(), null, "Bearer " + USER_TOKEN);
        send("POST", "/images", "{not json", "Bearer " + USER_TOKEN);
        send("GET", "/images", null, "Signature keyId=\"admin\",algorithm=\"rsa-sha256\",signature=\"" + SIGNATURE_SECRET + "\"");
        send("GET", "/federation/availability?uuid=x", null, "Bearer " + ADMIN_TOKEN);
        send("PUT", "/images/" + UUID.randomUUID() + "/file?sha1=nope", "x", "Bearer " + USER_TOKEN);

        List<String> lines = new ArrayList<>();
        for (ILoggingEvent ev : List.copyOf(logs.list)) {
            lines.add(ev.getFormattedMessage() + (ev.getThrowableProxy() == null ? ""
                    : "\n" + ThrowableProxyUtil.asString(ev.getThrowableProxy())) + " " + ev.getMDCPropertyMap());
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("client API users")), "the capture sees the daemon's logs: " + lines);
        for (String l : lines) {
            for (String secret : new String[] {ADMIN_TOKEN, USER_TOKEN, WRONG_TOKEN, SIGNATURE_SECRET}) {
                assertFalse(l.contains(secret), "a secret was logged: " + l);
            }
            // Error texts may name the scheme ("Authorization: Bearer <token>"), never a credential.
            assertFalse(BEARER_VALUE.matcher(l).find(), "a bearer credential was logged: " + l);
            assertFalse(l.contains("keyId=\"") || l.contains("signature=\""), "a Signature header was logged: " + l);
        }
    }
}
