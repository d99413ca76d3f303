package io.imgfed.federation.trust;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.board.BoardFixture;
import io.imgfed.federation.board.TestDc;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordKind;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CA trust checks a DC's certificate again whenever a record is verified with its key (issue 12): a certificate
 * that was valid when the key was admitted and expired later no longer makes the DC's records believed. The
 * receiving DC's clock is injected, so nothing waits for a certificate to run out.
 */
class CaTrustExpiryTest {
    static final Duration SHORT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;
    final ReplicatedMap<String, byte[]> map = BoardFixture.map();
    final List<TestDc> dcs = new ArrayList<>();
    final Instant t0 = Instant.now();
    final KeyPair caKey = ecKey();
    final X509Certificate ca = caCertificate(caKey, t0.minusSeconds(3600), t0.plus(Duration.ofDays(365)));

    @AfterEach
    void clear() {
        dcs.forEach(TestDc::close);
        map.clear();
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aKeyWhoseCertificateExpiredAfterItWasAdmittedNoLongerCounts() throws Exception {
        MovableClock clock = new MovableClock(t0);
        CaTrust trust = new CaTrust(ca, clock);
        KeyPair a = Ed25519.generate();
        X509Certificate shortLived = signingCertificate("a", a.getPublic(), t0.minusSeconds(60), t0.plusSeconds(5));

        assertTrue(trust.admit(new KeyRecord("a", a.getPublic().getEncoded(), PemFiles.certificatePem(shortLived))).accepted());
        assertTrue(trust.current("a").accepted());
        assertArrayEquals(a.getPublic().getEncoded(), trust.keyFor("a").getEncoded());
        assertNull(trust.current("b"), "no key known for b: its records wait");

        clock.set(t0.plusSeconds(6));
        TrustPolicy.Verdict after = trust.current("a");
        assertFalse(after.accepted(), "the certificate ran out 1 s ago");
        assertEquals("expired", after.rejectReason());
        assertNull(trust.keyFor("a"));

        // A renewed certificate of the same key, announced again, is admitted and counts.
        X509Certificate renewed = signingCertificate("a", a.getPublic(), t0, t0.plus(Duration.ofDays(30)));
        assertTrue(trust.admit(new KeyRecord("a", a.getPublic().getEncoded(), PemFiles.certificatePem(renewed))).accepted());
        assertTrue(trust.current("a").accepted());
        // An announcement with the expired certificate is refused outright, as before.
        assertEquals("expired", trust.admit(new KeyRecord("a", a.getPublic().getEncoded(),
                PemFiles.certificatePem(shortLived))).rejectReason());
    }

    @Test
    void recordsOfADcWhoseCertificateExpiredAreRejectedAsExpiredOnTheBoard() throws Exception {
        KeyPair aKeys = Ed25519.generate();
        KeyPair bKeys = Ed25519.generate();
        X509Certificate aCert = signingCertificate("a", aKeys.getPublic(), t0.minusSeconds(60), t0.plusSeconds(5));
        X509Certificate bCert = signingCertificate("b", bKeys.getPublic(), t0.minusSeconds(60), t0.plus(Duration.ofDays(1)));
        MovableClock bClock = new MovableClock(t0);
        TestDc a = TestDc.create(new SigningIdentity("a", aKeys.getPrivate(), aKeys.getPublic(), PemFiles.certificatePem(aCert)),
                new CaTrust(ca, Clock.fixed(t0, ZoneOffset.UTC)), tmp.resolve("a"), map);
        dcs.add(a);
        TestDc b = TestDc.create(new SigningIdentity("b", bKeys.getPrivate(), bKeys.getPublic(), PemFiles.certificatePem(bCert)),
                new CaTrust(ca, bClock), tmp.resolve("b"), map);
        dcs.add(b);
        a.start();
        b.start();

        String image = UUID.randomUUID().toString();
        a.board.publish(RecordKind.MANIFEST, image, "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
        await("b believes a's record while a's certificate is valid", SHORT, () -> b.receivedUnder("m/a/" + image).size() == 1);

        bClock.set(t0.plusSeconds(6));
        a.board.publish(RecordKind.MANIFEST, image, "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
        String other = UUID.randomUUID().toString();
        a.board.publish(RecordKind.MANIFEST, other, "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
        await("b rejects a's records after its certificate expired", SHORT, () -> b.rejected("expired") >= 2);
        assertEquals(1, b.receivedUnder("m/a/" + image).size(), "the update was not believed");
        assertTrue(b.receivedUnder("m/a/" + other).isEmpty(), "nor the new image");
        assertEquals(0.0, b.rejected("bad_signature") + b.rejected("unknown_key"));
    }

    // ---- certificates made here, as short-lived as a test needs

    static KeyPair ecKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static X500Name name(String unit, String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "imgfed").addRDN(BCStyle.OU, unit)
                .addRDN(BCStyle.CN, cn).build();
    }

    static X509Certificate caCertificate(KeyPair key, Instant from, Instant until) {
        try {
            X500Name subject = name("ca", "imgfed test CA");
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(System.nanoTime()),
                    Date.from(from), Date.from(until), subject, key.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    X509Certificate signingCertificate(String dc, PublicKey key, Instant from, Instant until) {
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(System.nanoTime()),
                    Date.from(from), Date.from(until), name(CaTrust.SIGNING_UNIT, dc), key);
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
