package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code auth.mode: signature}: IMGAPI's HTTP Signature scheme with keys of {@code auth.keys}. Who gets in, what
 * each caller may do, and that every refusal is a 401 with WWW-Authenticate or a 403.
 */
class AuthSignatureTest {
    /** The account of user {@code ACCOUNT} (key file named by the account uuid). */
    static final String ACCOUNT = "6d2e6d39-8e83-4e3c-a1a4-6b0d0a3f6f2b";
    /** The account of user "alice" (declared in her key file). */
    static final String ALICE_ACCOUNT = "0b5b9a36-2f26-4d5e-9d7c-08f0d37e1d55";
    static final String OTHER_ACCOUNT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient http;
    static KeyPair adminRsa;
    static KeyPair userEd;
    static KeyPair aliceRsa;
    static KeyPair carolEc;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        adminRsa = rsa.generateKeyPair();
        aliceRsa = rsa.generateKeyPair();
        userEd = SecurityKit.ed25519();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        carolEc = ec.generateKeyPair();

        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.writeString(keys.resolve("admin.pub"), SecurityKit.sshLine(adminRsa.getPublic(), "admin@ops") + "\n");
        Files.writeString(keys.resolve(ACCOUNT + ".pub"), "# a user named by its account\n"
                + SecurityKit.sshLine(userEd.getPublic(), "user@laptop") + "\n");
        Files.writeString(keys.resolve("alice.pub"), "# account: " + ALICE_ACCOUNT + "\n"
                + "ssh-rsa not-base64!! broken line\n"
                + SecurityKit.sshLine(aliceRsa.getPublic(), "alice") + "\n");
        Files.writeString(keys.resolve("carol.pub"), "# account: " + OTHER_ACCOUNT + "\n" + ecdsaLine(carolEc) + "\n");
        daemon = TestDaemon.start(dir.resolve("data"), "auth: {mode: signature, keys: " + keys + ", operators: [admin]}\n");
        http = daemon.client();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String ecdsaLine(KeyPair kp) throws Exception {
        ECPublicKey k = (ECPublicKey) kp.getPublic();
        byte[] q = new byte[65];
        q[0] = 4;
        byte[] x = unsigned32(k.getW().getAffineX());
        byte[] y = unsigned32(k.getW().getAffineY());
        System.arraycopy(x, 0, q, 1, 32);
        System.arraycopy(y, 0, q, 33, 32);
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(blob);
        for (byte[] f : new byte[][] {"ecdsa-sha2-nistp256".getBytes(StandardCharsets.US_ASCII),
            "nistp256".getBytes(StandardCharsets.US_ASCII), q}) {
            out.writeInt(f.length);
            out.write(f);
        }
        return "ecdsa-sha2-nistp256 " + Base64.getEncoder().encodeToString(blob.toByteArray()) + " carol";
    }

    private static byte[] unsigned32(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(32, b.length);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }

    /** A request signed as imgfed requires: Date now, signature over "(request-target): ...\ndate: ...". */
    private static ImgapiClient.Response as(String keyId, String alg, PrivateKey key, String method, String path, String body) {
        String date = SecurityKit.httpDate(Instant.now());
        return send(method, path, body, "Date", date, "Authorization", SecurityKit.signature(keyId, alg, key, method, path, date));
    }

    private static ImgapiClient.Response admin(String method, String path, String body) {
        return as("admin", "rsa-sha256", adminRsa.getPrivate(), method, path, body);
    }

    private static ImgapiClient.Response user(String method, String path, String body) {
        return as(ACCOUNT, "ed25519-sha512", userEd.getPrivate(), method, path, body);
    }

    private static ImgapiClient.Response alice(String method, String path, String body) {
        return as("alice", "rsa-sha256", aliceRsa.getPrivate(), method, path, body);
    }

    private static ImgapiClient.Response send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http.base() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b);
    }

    private static void assertUnauthorized(ImgapiClient.Response r, String what) {
        assertEquals(401, r.status(), what + ": " + r);
        assertEquals("Unauthorized", r.code(), what + ": " + r);
        assertNotNull(r.header("WWW-Authenticate"), what + ": a 401 says how to authenticate");
    }

    private static ObjectNode importBody(String uuid, String owner) {
        ObjectNode m = ImgapiClient.manifest("imported", "1.0.0");
        m.put("uuid", uuid);
        m.put("owner", owner);
        return m;
    }

    /** An active image of the user's account with a small file; private unless {@code isPublic}. */
    private static String userImage(String name, boolean isPublic) {
        ObjectNode m = ImgapiClient.manifest(name, "1.0.0");
        m.remove("owner");
        m.put("public", isPublic);
        ImgapiClient.Response created = user("POST", "/images", m.toString());
        assertEquals(200, created.status(), created.toString());
        assertEquals(ACCOUNT, created.json().path("owner").asText(), "the owner defaults to the caller's account");
        String uuid = created.json().path("uuid").asText();
        byte[] file = (name + " bytes").getBytes(StandardCharsets.US_ASCII);
        String date = SecurityKit.httpDate(Instant.now());
        String target = "/images/" + uuid + "/file?compression=none&sha1=" + ImgapiClient.sha1(file);
        ImgapiClient.Response up = http.send(HttpRequest.newBuilder(URI.create(http.base() + target))
                .header("Date", date)
                .header("Authorization", SecurityKit.signature(ACCOUNT, "ed25519", userEd.getPrivate(), "PUT", target, date))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(file)));
        assertEquals(200, up.status(), up.toString());
        ImgapiClient.Response act = user("POST", "/images/" + uuid + "?action=activate", "{}");
        assertEquals(200, act.status(), act.toString());
        return uuid;
    }

    @Test
    void unsignedAndMalformedRequestsGet401() {
        assertUnauthorized(http.get("/images"), "unsigned");
        assertUnauthorized(http.get("/federation/dcs"), "unsigned federation view");
        assertUnauthorized(http.post("/images", ImgapiClient.manifest("x", "1.0.0")), "unsigned create");
        String date = SecurityKit.httpDate(Instant.now());
        for (String auth : new String[] {"Signature garbage", "Signature keyId=\"admin\"", "Signature keyId=\"admin\",algorithm=\"rsa-sha256\",signature=\"!!!\"",
            "Signature keyId=\"admin\",algorithm=\"rsa-sha256\",signature=\"unterminated", "Basic YWRtaW46YWRtaW4=",
            "Bearer abcdefghijklmnopqrstuvwxyz", "Signature " + "x".repeat(4000)}) {
            assertUnauthorized(send("GET", "/images", null, "Date", date, "Authorization", auth), auth);
        }
    }

    @Test
    void wrongKeysUsersAndAlgorithmsGet401() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair stranger = rsa.generateKeyPair();
        assertUnauthorized(as("admin", "rsa-sha256", stranger.getPrivate(), "GET", "/images", null), "admin's name, another key");
        assertUnauthorized(as("nobody", "rsa-sha256", stranger.getPrivate(), "GET", "/images", null), "unknown user");
        assertUnauthorized(as("alice", "rsa-sha256", adminRsa.getPrivate(), "GET", "/images", null), "alice's name, admin's key");
        assertUnauthorized(as(ACCOUNT, "ed25519", SecurityKit.ed25519().getPrivate(), "GET", "/images", null),
                "user's name, another ed25519 key");
        // A good signature announced under an algorithm that does not match the key.
        String date = SecurityKit.httpDate(Instant.now());
        String good = SecurityKit.signature("admin", "rsa-sha256", adminRsa.getPrivate(), "GET", "/images", date);
        assertUnauthorized(send("GET", "/images", null, "Date", date, "Authorization",
                good.replace("rsa-sha256", "rsa-sha512")), "algorithm differs from what was signed");
        assertUnauthorized(send("GET", "/images", null, "Date", date, "Authorization",
                good.replace("rsa-sha256", "ed25519")), "ed25519 claimed for an RSA signature");
        assertUnauthorized(send("GET", "/images", null, "Date", date, "Authorization",
                good.replace("keyId=\"admin\"", "keyId=\"alice\"")), "someone else's keyId");
        // The signature must cover the date.
        assertUnauthorized(send("GET", "/images", null, "Date", date, "Authorization",
                good.replace("headers=\"(request-target) date\"", "headers=\"(request-target)\"")), "date not signed");
    }

    @Test
    void datesOutsideTheSkewWindowOrMissingGet401() {
        for (Duration off : new Duration[] {Duration.ofMinutes(-6), Duration.ofMinutes(6), Duration.ofDays(-365)}) {
            String date = SecurityKit.httpDate(Instant.now().plus(off));
            assertUnauthorized(send("GET", "/images", null, "Date", date, "Authorization",
                    SecurityKit.signature("admin", "rsa-sha256", adminRsa.getPrivate(), "GET", "/images", date)),
                    "date off by " + off);
        }
        String inWindow = SecurityKit.httpDate(Instant.now().minus(Duration.ofMinutes(4)));
        assertEquals(200, send("GET", "/images", null, "Date", inWindow, "Authorization",
                SecurityKit.signature("admin", "rsa-sha256", adminRsa.getPrivate(), "GET", "/images", inWindow)).status(),
                "4 min old is fine");

        String now = SecurityKit.httpDate(Instant.now());
        String sig = SecurityKit.signature("admin", "rsa-sha256", adminRsa.getPrivate(), "GET", "/images", now);
        assertUnauthorized(send("GET", "/images", null, "Authorization", sig), "no Date header");
        assertUnauthorized(send("GET", "/images", null, "Date", "yesterday", "Authorization", sig), "unparsable Date");
        String other = SecurityKit.httpDate(Instant.now().minusSeconds(30));
        assertUnauthorized(send("GET", "/images", null, "Date", other, "Authorization", sig), "Date differs from the signed one");
    }

    @Test
    void goodSignaturesOfEveryKeyTypeGetIn() {
        ImgapiClient.Response r = admin("GET", "/images", null);
        assertEquals(200, r.status(), r.toString());
        assertEquals(200, user("GET", "/images", null).status(), "ed25519-sha512");
        assertEquals(200, as(ACCOUNT, "ed25519", userEd.getPrivate(), "GET", "/images", null).status(), "ed25519");
        assertEquals(200, alice("GET", "/images", null).status(), "alice's second key line works despite a broken first one");
        assertEquals(200, as("carol", "ecdsa-sha256", carolEc.getPrivate(), "GET", "/images", null).status(), "ecdsa-sha256");
        assertEquals(200, as("/admin/keys/aa:bb", "rsa-sha256", adminRsa.getPrivate(), "GET", "/images", null).status(),
                "Manta-style keyId");
        assertEquals(200, user("GET", "/images?account=" + ACCOUNT, null).status(), "a user may name its own account");
    }

    @Test
    void opsEndpointsNeedNoAuth() {
        for (String p : new String[] {"/ping", "/healthz", "/metrics"}) {
            assertEquals(200, http.get(p).status(), p);
        }
        assertTrue(http.get("/readyz").status() != 401, "/readyz");
    }

    @Test
    void usersActOnlyForTheirOwnAccount() {
        ImgapiClient.Response r = user("GET", "/images?account=" + OTHER_ACCOUNT, null);
        assertEquals(403, r.status(), r.toString());
        assertEquals("Forbidden", r.code());
        assertEquals(403, alice("GET", "/images/" + UUID.randomUUID() + "?account=" + ACCOUNT, null).status());

        ObjectNode m = ImgapiClient.manifest("not-mine", "1.0.0");
        m.put("owner", OTHER_ACCOUNT);
        ImgapiClient.Response create = user("POST", "/images", m.toString());
        assertEquals(422, create.status(), "a user cannot create an image for another account: " + create);
        assertEquals(403, user("POST", "/images?account=" + OTHER_ACCOUNT, ImgapiClient.manifest("x", "1.0.0").toString())
                .status());

        String priv = userImage("private-of-user", false);
        ImgapiClient.Response aliceGet = alice("GET", "/images/" + priv, null);
        assertEquals(404, aliceGet.status(), "another user does not see a private image: " + aliceGet);
        assertEquals(404, alice("GET", "/images/" + priv + "/file", null).status());
        assertEquals(404, alice("POST", "/images/" + priv + "?action=update", "{\"description\": \"pwned\"}").status());
        assertEquals(404, alice("DELETE", "/images/" + priv, null).status());
        assertEquals("[]", alice("GET", "/federation/availability?uuid=" + priv, null).json().toString());
        for (String list : new String[] {"/images", "/images?state=all", "/images?owner=" + ACCOUNT,
            "/images?account=" + ALICE_ACCOUNT}) {
            ImgapiClient.Response l = alice("GET", list, null);
            assertEquals(200, l.status(), list + ": " + l);
            assertFalse(l.text().contains(priv), list + " shows alice another account's private image: " + l);
        }
        assertTrue(user("GET", "/images", null).text().contains(priv), "the owner lists it");

        String pub = userImage("public-of-user", true);
        assertEquals(200, alice("GET", "/images/" + pub, null).status(), "public and active: visible");
        assertTrue(alice("GET", "/images", null).text().contains(pub));
        ImgapiClient.Response notOwner = alice("POST", "/images/" + pub + "?action=update", "{\"description\": \"pwned\"}");
        assertEquals("NotImageOwner", notOwner.code(), notOwner.toString());
        assertEquals(200, alice("GET", "/images/" + pub + "/file", null).status());

        ImgapiClient.Response acl = user("POST", "/images/" + priv + "/acl?action=add", "[\"" + ALICE_ACCOUNT + "\"]");
        assertEquals(200, acl.status(), acl.toString());
        assertEquals(200, alice("GET", "/images/" + priv, null).status(), "acl'd account sees it");
    }

    @Test
    void operatorOnlyActions() {
        String uuid = UUID.randomUUID().toString();
        ImgapiClient.Response byUser = user("POST", "/images/" + uuid + "?action=import", importBody(uuid, ACCOUNT).toString());
        assertEquals(403, byUser.status(), byUser.toString());
        assertEquals("OperatorOnly", byUser.code());
        assertEquals(404, admin("GET", "/images/" + uuid, null).status(), "nothing was imported");

        ImgapiClient.Response byAdmin = admin("POST", "/images/" + uuid + "?action=import", importBody(uuid, OTHER_ACCOUNT).toString());
        assertEquals(200, byAdmin.status(), byAdmin.toString());
        assertEquals(OTHER_ACCOUNT, byAdmin.json().path("owner").asText());

        // The operator acts for any account, and sees that account's view.
        assertEquals(200, admin("GET", "/images/" + uuid + "?account=" + OTHER_ACCOUNT, null).status());
        assertEquals(404, admin("GET", "/images/" + uuid + "?account=" + ACCOUNT, null).status(),
                "the operator's ?account= view hides what that account may not see");
        JsonNode scoped = admin("GET", "/images?state=all&account=" + ACCOUNT, null).json();
        for (JsonNode i : scoped) {
            assertFalse(i.path("uuid").asText().equals(uuid), "account-scoped list hides the other account's image");
        }
        assertEquals(200, admin("POST", "/images?account=" + OTHER_ACCOUNT, ImgapiClient.manifest("for-other", "1.0.0")
                .put("owner", OTHER_ACCOUNT).toString()).status());

        ImgapiClient.Response transfers = user("GET", "/transfers", null);
        assertEquals(403, transfers.status(), transfers.toString());
        assertEquals(200, admin("GET", "/transfers", null).status());

        String mine = userImage("replicate-me", false);
        ImgapiClient.Response replicate = user("POST", "/images/" + mine + "?action=replicate", "{}");
        assertEquals(403, replicate.status(), replicate.toString());
        assertEquals("OperatorOnly", replicate.code());
        List<String> statuses = new ArrayList<>();
        statuses.add(String.valueOf(admin("POST", "/images/" + mine + "?action=replicate", "{}").status()));
        assertTrue(statuses.get(0).startsWith("20"), "operator replicate: " + statuses);
    }
}
