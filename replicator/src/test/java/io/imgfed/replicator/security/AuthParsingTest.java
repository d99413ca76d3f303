package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.auth.HttpSignature;
import io.imgfed.replicator.auth.SshPublicKeys;
import io.imgfed.replicator.auth.Users;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parsers in front of authentication: hostile input fails cleanly (IllegalArgumentException or IOException). */
class AuthParsingTest {
    @TempDir
    Path dir;

    @Test
    void sshKeysRoundTripAndMalformedLinesFailCleanly() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair r = rsa.generateKeyPair();
        KeyPair e = SecurityKit.ed25519();
        assertArrayEquals(r.getPublic().getEncoded(), SshPublicKeys.parse(SecurityKit.sshLine(r.getPublic(), "c")).getEncoded());
        assertArrayEquals(e.getPublic().getEncoded(), SshPublicKeys.parse(SecurityKit.sshLine(e.getPublic(), "c")).getEncoded());

        String good = SecurityKit.sshLine(e.getPublic(), "x");
        String blob = good.split(" ")[1];
        byte[] raw = Base64.getDecoder().decode(blob);
        List<String> bad = List.of("", "ssh-rsa", "ssh-rsa !!!", "ssh-ed25519 " + blob.substring(0, 20),
                "ssh-rsa " + blob, // type differs from the blob's
                "ssh-dss " + Base64.getEncoder().encodeToString(sshString("ssh-dss")),
                "ssh-ed25519 " + Base64.getEncoder().encodeToString(concat(sshString("ssh-ed25519"), sshString("short"))),
                "ssh-ed25519 " + Base64.getEncoder().encodeToString(ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).array()),
                "ssh-ed25519 " + Base64.getEncoder().encodeToString(ByteBuffer.allocate(8).putInt(-5).array()),
                "ecdsa-sha2-nistp256 " + Base64.getEncoder().encodeToString(concat(sshString("ecdsa-sha2-nistp256"),
                        sshString("nistp256"), sshString("not a point"))));
        for (String line : bad) {
            assertThrows(IllegalArgumentException.class, () -> SshPublicKeys.parse(line), line);
        }
        // Random mutations of a good blob: a key, or IllegalArgumentException, never anything else.
        Random rnd = new Random(99);
        for (int i = 0; i < 2000; i++) {
            byte[] m = raw.clone();
            m[rnd.nextInt(m.length)] = (byte) rnd.nextInt();
            if (rnd.nextBoolean()) {
                m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length + 1));
            }
            String line = "ssh-ed25519 " + Base64.getEncoder().encodeToString(m);
            try {
                PublicKey k = SshPublicKeys.parse(line);
                assertTrue(k.getAlgorithm().matches("Ed25519|EdDSA"), line);
            } catch (IllegalArgumentException expected) {
                // fine
            }
        }
    }

    private static byte[] sshString(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void signatureHeadersParseStrictly() {
        assertNull(HttpSignature.parse(null));
        assertNull(HttpSignature.parse("Bearer x"));
        HttpSignature s = HttpSignature.parse("Signature keyId=\"/alice/keys/aa:bb\",algorithm=\"RSA-SHA256\",signature=\"AAAA\"");
        assertEquals("alice", s.user());
        assertEquals("rsa-sha256", s.algorithm());
        assertEquals(List.of("date"), s.headers(), "date is signed by default");
        assertEquals("admin", HttpSignature.parse("signature keyId=\"admin\", algorithm=\"ed25519\", headers=\"date x-extra\", "
                + "signature=\"AAAA\"").user());
        for (String bad : new String[] {"Signature ", "Signature keyId=admin", "Signature keyId=\"admin\"",
            "Signature keyId=\"a\",algorithm=\"rsa-sha256\"", "Signature keyId=\"a\",algorithm=\"rsa-sha256\",signature=\"%%%\"",
            "Signature keyId=\"a,algorithm=\"rsa-sha256\",signature=\"AAAA", "Signature =\"\""}) {
            assertThrows(IllegalArgumentException.class, () -> HttpSignature.parse(bad), bad);
        }
        Random rnd = new Random(7);
        String alphabet = "Signature keyId=\"algorithm,signature headers \\ ";
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder("Signature ");
            int len = rnd.nextInt(60);
            for (int j = 0; j < len; j++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            try {
                HttpSignature.parse(sb.toString());
            } catch (IllegalArgumentException expected) {
                // fine
            }
        }
    }

    @Test
    void signingStringNeedsEverySignedHeader() {
        HttpSignature s = HttpSignature.parse("Signature keyId=\"a\",algorithm=\"ed25519\",headers=\"(request-target) date\","
                + "signature=\"AAAA\"");
        Map<String, String> headers = Map.of("date", "Tue, 01 Jan 2030 00:00:00 GMT");
        assertEquals("(request-target): get /images?x=1\ndate: Tue, 01 Jan 2030 00:00:00 GMT",
                s.signingString(headers::get, "GET", "/images?x=1"));
        HttpSignature needsHost = HttpSignature.parse("Signature keyId=\"a\",algorithm=\"ed25519\",headers=\"date host\","
                + "signature=\"AAAA\"");
        assertThrows(IllegalArgumentException.class, () -> needsHost.signingString(headers::get, "GET", "/"));
        // A signature by one key is not accepted for another, nor under an algorithm of another key type.
        KeyPair one = SecurityKit.ed25519();
        KeyPair two = SecurityKit.ed25519();
        String date = SecurityKit.httpDate(Instant.now());
        HttpSignature signed = HttpSignature.parse(SecurityKit.dateOnlySignature("a", "ed25519", one.getPrivate(), date));
        assertTrue(signed.verifiedBy(List.of(two.getPublic(), one.getPublic()), "date: " + date));
        assertFalse(signed.verifiedBy(List.of(two.getPublic()), "date: " + date));
        assertFalse(signed.verifiedBy(List.of(one.getPublic()), "date: " + date + " "));
        assertFalse(HttpSignature.parse(SecurityKit.dateOnlySignature("a", "ed25519", one.getPrivate(), date)
                .replace("ed25519", "rsa-sha256")).verifiedBy(List.of(one.getPublic()), "date: " + date));
    }

    @Test
    void usersFromKeysAndTokens() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        String account = "6d2e6d39-8e83-4e3c-a1a4-6b0d0a3f6f2b";
        Files.writeString(keys.resolve("admin.pub"), SecurityKit.sshLine(SecurityKit.ed25519().getPublic(), "a") + "\n");
        Files.writeString(keys.resolve(account + ".pub"), SecurityKit.sshLine(SecurityKit.ed25519().getPublic(), "u") + "\n");
        Files.writeString(keys.resolve("bob.pub"), "# account: " + account + "\n");
        Files.writeString(keys.resolve("nokey.txt"), "ignored: not a .pub file\n");
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "0123456789abcdef-tok carol\n");
        Users users = Users.load(keys, tokens, Set.of("admin"));
        assertTrue(users.get("admin").operator());
        assertNull(users.get("admin").account());
        assertEquals(account, users.get(account).account());
        assertFalse(users.get(account).operator());
        assertEquals(account, users.get("bob").account());
        assertTrue(users.get("bob").keys().isEmpty());
        assertNull(users.get("nokey"));
        assertEquals("carol", users.byToken("0123456789abcdef-tok").name());
        assertNull(users.byToken("0123456789abcdef-to"));
        assertNull(users.byToken(""));

        Files.writeString(keys.resolve("eve.pub"), "# account: ../../etc\n");
        IOException e = assertThrows(IOException.class, () -> Users.load(keys, tokens, Set.of("admin")));
        assertTrue(e.getMessage().contains("eve"), e.getMessage());
        Files.delete(keys.resolve("eve.pub"));
        Files.writeString(tokens, "shorttoken carol\n");
        IOException t = assertThrows(IOException.class, () -> Users.load(keys, tokens, Set.of("admin")));
        assertFalse(t.getMessage().contains("shorttoken"), "the error does not echo the token: " + t.getMessage());
    }
}
