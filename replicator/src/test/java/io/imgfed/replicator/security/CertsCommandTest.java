package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.federation.trust.CaTrust;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.protocol.federation.CertificateNames;
import io.imgfed.replicator.certs.FederationCa;
import io.imgfed.replicator.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code imgfed certs init|issue} through the CLI entry point: files, permissions, chains, names, overwrite rules. */
class CertsCommandTest {
    @TempDir
    Path dir;

    private static String perms(Path f) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
    }

    private static List<X509Certificate> certs(Path f) throws Exception {
        return FederationCa.Pem.certificates(f);
    }

    /** SANs as "dns:x" / "ip:x". */
    private static Set<String> sans(X509Certificate c) throws Exception {
        Set<String> out = new java.util.TreeSet<>();
        Collection<List<?>> names = c.getSubjectAlternativeNames();
        for (List<?> n : names) {
            int type = (Integer) n.get(0);
            out.add((type == 2 ? "dns:" : type == 7 ? "ip:" : type + ":") + n.get(1));
        }
        return out;
    }

    @Test
    void initAndIssueWriteOwnerOnlyKeysAndCertificatesChainedToTheCa() throws Exception {
        assertEquals(0, Main.run("certs", "init", "--dir", dir.toString()));
        assertEquals("rw-------", perms(dir.resolve("ca.key")));
        assertEquals("rw-r--r--", perms(dir.resolve("ca.pem")));
        X509Certificate ca = certs(dir.resolve("ca.pem")).get(0);
        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
        assertTrue(ca.getKeyUsage()[5], "the CA may sign certificates");

        assertEquals(0, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", "us-east-1", "--san",
                "dc1.example.net,10.1.2.3"));
        assertEquals("rw-------", perms(dir.resolve("us-east-1.key")));
        assertEquals("rw-------", perms(dir.resolve("us-east-1.signing.pem")));
        assertEquals("rw-r--r--", perms(dir.resolve("us-east-1.pem")));
        for (Path f : List.of(dir.resolve("ca.key"), dir.resolve("us-east-1.key"), dir.resolve("us-east-1.signing.pem"))) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(f);
            assertFalse(p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ), f + ": " + p);
        }
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp files left");
        }

        // TLS certificate: EC P-256, CN = DC, OU = datacenter, SANs, chain leaf + CA, verified by the CA's key.
        List<X509Certificate> chain = certs(dir.resolve("us-east-1.pem"));
        assertEquals(2, chain.size(), "leaf and CA");
        X509Certificate tls = chain.get(0);
        tls.verify(ca.getPublicKey());
        tls.checkValidity();
        assertArrayEquals(ca.getEncoded(), chain.get(1).getEncoded());
        assertEquals(ca.getSubjectX500Principal(), tls.getIssuerX500Principal());
        assertEquals("us-east-1", CertificateNames.subjectField(tls, "CN"));
        assertEquals("datacenter", CertificateNames.subjectField(tls, "OU"));
        assertTrue(tls.getPublicKey() instanceof ECPublicKey ec
                && ec.getParams().getCurve().getField().getFieldSize() == 256, "EC P-256");
        assertEquals(-1, tls.getBasicConstraints(), "a leaf, not a CA");
        assertEquals(Set.of("dns:us-east-1", "dns:localhost", "ip:127.0.0.1", "dns:dc1.example.net", "ip:10.1.2.3"), sans(tls));
        List<String> eku = tls.getExtendedKeyUsage();
        assertTrue(eku.contains("1.3.6.1.5.5.7.3.1") && eku.contains("1.3.6.1.5.5.7.3.2"), "server and client auth: " + eku);

        // The TLS key matches the certificate.
        PrivateKey tlsKey = FederationCa.Pem.privateKey(dir.resolve("us-east-1.key"));
        byte[] probe = "probe".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(tlsKey);
        s.update(probe);
        byte[] sig = s.sign();
        s.initVerify(tls.getPublicKey());
        s.update(probe);
        assertTrue(s.verify(sig), "the TLS key belongs to the certificate");

        // Record-signing key: Ed25519, certified by the CA for the DC (OU record-signing), accepted by CaTrust.
        Path signing = dir.resolve("us-east-1.signing.pem");
        X509Certificate signingCert = certs(signing).get(0);
        signingCert.verify(ca.getPublicKey());
        assertEquals("us-east-1", CertificateNames.subjectField(signingCert, "CN"));
        assertEquals("record-signing", CertificateNames.subjectField(signingCert, "OU"));
        assertTrue(signingCert.getPublicKey().getAlgorithm().matches("Ed25519|EdDSA"), signingCert.getPublicKey().getAlgorithm());
        CaTrust trust = CaTrust.load(dir.resolve("ca.pem"));
        assertEquals(null, trust.check(signingCert, "us-east-1"));
        assertEquals("wrong_dc", trust.check(signingCert, "eu-central-1"));
        assertEquals("wrong_dc", trust.check(tls, "us-east-1"), "a TLS certificate is no record-signing certificate");
        SigningIdentity id = SigningIdentity.fromCertifiedPem("us-east-1", signing, trust);
        assertArrayEquals(signingCert.getPublicKey().getEncoded(), id.publicKey().getEncoded());
        assertThrows(IOException.class, () -> SigningIdentity.fromCertifiedPem("eu-central-1", signing, trust),
                "a DC cannot load another DC's signing key");
    }

    @Test
    void certificatesOfAnotherCaDoNotVerify() throws Exception {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        SecurityKit.federationCa(one, "a");
        SecurityKit.federationCa(two, "a");
        X509Certificate caOne = certs(one.resolve("ca.pem")).get(0);
        X509Certificate foreign = certs(two.resolve("a.pem")).get(0);
        assertThrows(java.security.SignatureException.class, () -> foreign.verify(caOne.getPublicKey()));
        assertEquals("not_certified", CaTrust.load(one.resolve("ca.pem")).check(certs(two.resolve("a.signing.pem")).get(0), "a"));
        assertThrows(IOException.class, () -> SigningIdentity.fromCertifiedPem("a", two.resolve("a.signing.pem"),
                CaTrust.load(one.resolve("ca.pem"))));
    }

    @Test
    void existingFilesAreReplacedOnlyWithForce() throws Exception {
        assertEquals(0, Main.run("certs", "init", "--dir", dir.toString()));
        byte[] caPem = Files.readAllBytes(dir.resolve("ca.pem"));
        byte[] caKey = Files.readAllBytes(dir.resolve("ca.key"));
        assertEquals(2, Main.run("certs", "init", "--dir", dir.toString()));
        assertArrayEquals(caPem, Files.readAllBytes(dir.resolve("ca.pem")), "CA unchanged");
        assertArrayEquals(caKey, Files.readAllBytes(dir.resolve("ca.key")), "CA key unchanged");

        assertEquals(0, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", "a"));
        byte[][] before = {Files.readAllBytes(dir.resolve("a.pem")), Files.readAllBytes(dir.resolve("a.key")),
            Files.readAllBytes(dir.resolve("a.signing.pem"))};
        assertEquals(2, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", "a"));
        assertArrayEquals(before[0], Files.readAllBytes(dir.resolve("a.pem")));
        assertArrayEquals(before[1], Files.readAllBytes(dir.resolve("a.key")));
        assertArrayEquals(before[2], Files.readAllBytes(dir.resolve("a.signing.pem")));

        // Only one of the three files present still blocks the issue, and nothing is written.
        Files.delete(dir.resolve("a.pem"));
        Files.delete(dir.resolve("a.signing.pem"));
        assertEquals(2, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", "a"));
        assertFalse(Files.exists(dir.resolve("a.pem")));
        assertArrayEquals(before[1], Files.readAllBytes(dir.resolve("a.key")));

        assertEquals(0, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", "a", "--force"));
        assertNotEquals(new String(before[1], StandardCharsets.US_ASCII),
                Files.readString(dir.resolve("a.key")), "forced: a new key");
        assertEquals("rw-------", perms(dir.resolve("a.key")));
        certs(dir.resolve("a.pem")).get(0).verify(certs(dir.resolve("ca.pem")).get(0).getPublicKey());

        assertEquals(0, Main.run("certs", "init", "--dir", dir.toString(), "--force"));
        X509Certificate newCa = certs(dir.resolve("ca.pem")).get(0);
        assertFalse(java.util.Arrays.equals(caPem, Files.readAllBytes(dir.resolve("ca.pem"))), "forced: a new CA");
        assertEquals("rw-------", perms(dir.resolve("ca.key")));
        assertThrows(java.security.SignatureException.class,
                () -> certs(dir.resolve("a.pem")).get(0).verify(newCa.getPublicKey()), "the old DC certificate is not the new CA's");
    }

    @Test
    void badDcNamesAndMissingCaAreRefused() throws Exception {
        assertEquals(0, Main.run("certs", "init", "--dir", dir.toString()));
        List<String> bad = new ArrayList<>(List.of("UPPER", "../evil", "a/b", "", "a b", "x".repeat(64), "dc_1", "-"));
        bad.remove("-"); // "-" matches [a-z0-9-]{1,63}; it is a legal if odd name
        for (String dc : bad) {
            assertEquals(2, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", dc), "--dc '" + dc + "'");
        }
        try (var s = Files.list(dir)) {
            assertEquals(Set.of("ca.pem", "ca.key"), s.map(f -> f.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "nothing written for bad names");
        }
        assertFalse(Files.exists(dir.getParent().resolve("evil.pem")), "no file outside --dir");
        assertEquals(2, Main.run("certs", "issue", "--dir", dir.toString()), "--dc is required");
        assertNotEquals(0, Main.run("certs", "issue", "--dir", dir.resolve("nothing-here").toString(), "--dc", "a"),
                "no CA in the folder");
        assertFalse(Files.exists(dir.resolve("nothing-here").resolve("a.pem")));
    }
}
