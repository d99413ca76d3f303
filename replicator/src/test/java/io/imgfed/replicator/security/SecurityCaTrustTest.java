package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.federation.trust.CaTrust;
import io.imgfed.federation.trust.PemFiles;
import io.imgfed.federation.trust.TrustPolicy;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CaTrust's verdicts one by one, and a daemon that refuses to start with a signing key that is not its own. */
class SecurityCaTrustTest {
    @TempDir
    static Path dir;
    static Path certs;
    static Path other;
    static CaTrust trust;

    @BeforeAll
    static void setUp() throws Exception {
        certs = SecurityKit.federationCa(dir.resolve("certs"), "a", "b");
        other = SecurityKit.federationCa(dir.resolve("other"), "a");
        trust = CaTrust.load(certs.resolve("ca.pem"));
    }

    private static X509Certificate signingCert(Path caDir, String dc) throws Exception {
        return PemFiles.certificates(Files.readString(caDir.resolve(dc + ".signing.pem"))).get(0);
    }

    private static String verdict(String dc, byte[] key, String certPem) {
        TrustPolicy.Verdict v = trust.admit(new KeyRecord(dc, key, certPem));
        return v.accepted() ? "accepted" : v.rejectReason();
    }

    @Test
    void verdicts() throws Exception {
        X509Certificate a = signingCert(certs, "a");
        assertEquals("accepted", verdict("a", a.getPublicKey().getEncoded(), SecurityKit.pem(a)));
        assertNotNull(trust.keyFor("a"));
        assertEquals("not_certified", verdict("a", a.getPublicKey().getEncoded(), null));
        assertEquals("not_certified", verdict("a", a.getPublicKey().getEncoded(), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
        assertEquals("not_certified", verdict("a", a.getPublicKey().getEncoded(), "garbage"));
        X509Certificate foreign = signingCert(other, "a");
        assertEquals("not_certified", verdict("a", foreign.getPublicKey().getEncoded(), SecurityKit.pem(foreign)));
        assertEquals("wrong_dc", verdict("b", a.getPublicKey().getEncoded(), SecurityKit.pem(a)));
        X509Certificate tls = PemFiles.certificates(Files.readString(certs.resolve("a.pem"))).get(0);
        assertEquals("wrong_dc", verdict("a", tls.getPublicKey().getEncoded(), SecurityKit.pem(tls)),
                "a TLS certificate (OU datacenter) does not certify a signing key");
        assertEquals("key_mismatch", verdict("a", SecurityKit.ed25519().getPublic().getEncoded(), SecurityKit.pem(a)));

        KeyPair k = SecurityKit.ed25519();
        X509Certificate expired = SecurityKit.certificate(SecurityKit.caCert(certs), SecurityKit.caKey(certs), "a",
                "record-signing", k.getPublic(), Instant.now().minusSeconds(7200), Instant.now().minusSeconds(3600));
        assertEquals("expired", verdict("a", k.getPublic().getEncoded(), SecurityKit.pem(expired)));
        X509Certificate future = SecurityKit.certificate(SecurityKit.caCert(certs), SecurityKit.caKey(certs), "a",
                "record-signing", k.getPublic(), Instant.now().plusSeconds(3600), Instant.now().plusSeconds(7200));
        assertEquals("expired", verdict("a", k.getPublic().getEncoded(), SecurityKit.pem(future)));

        // A CA-certified record-signing certificate of a key that is no Ed25519 key.
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair e = ec.generateKeyPair();
        X509Certificate ecCert = SecurityKit.certificate(SecurityKit.caCert(certs), SecurityKit.caKey(certs), "a",
                "record-signing", e.getPublic(), Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        assertEquals("bad_key", verdict("a", e.getPublic().getEncoded(), SecurityKit.pem(ecCert)));

        // A certificate chain whose first certificate is the CA itself certifies nothing.
        X509Certificate ca = SecurityKit.caCert(certs);
        assertEquals("wrong_dc", verdict("a", ca.getPublicKey().getEncoded(), SecurityKit.pem(ca)));
    }

    @Test
    void aDaemonWithAnotherDcsSigningKeyDoesNotStart() {
        String yaml = "dc: a\n"
                + "federation: {trust: " + certs.resolve("ca.pem") + ", signingKey: " + certs.resolve("b.signing.pem") + "}\n";
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestDaemon.start(dir.resolve("a1"), yaml).close());
        String chain = causes(e);
        assertTrue(chain.contains("does not vouch for DC a") && chain.contains("wrong_dc"), chain);

        String foreignCa = "dc: a\n"
                + "federation: {trust: " + certs.resolve("ca.pem") + ", signingKey: " + other.resolve("a.signing.pem") + "}\n";
        String chain2 = causes(assertThrows(IllegalStateException.class, () -> TestDaemon.start(dir.resolve("a2"), foreignCa).close()));
        assertTrue(chain2.contains("not_certified"), chain2);
    }

    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }
}
