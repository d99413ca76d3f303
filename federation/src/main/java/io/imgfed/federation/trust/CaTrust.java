package io.imgfed.federation.trust;

import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Trust rooted in the federation CA ({@code federation.trust}): a DC's record-signing key is accepted only
 * with a certificate from that CA naming the same DC (subject CN) and the same key. So no member of the
 * Hazelcast cluster, rogue or not, can publish records in another DC's name.
 */
public final class CaTrust implements TrustPolicy {
    public static final String SIGNING_UNIT = "record-signing";

    private final X509Certificate ca;
    private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();

    public CaTrust(X509Certificate ca) {
        this.ca = ca;
    }

    public static CaTrust load(Path caPem) throws IOException, GeneralSecurityException {
        List<X509Certificate> certs = PemFiles.certificates(caPem);
        return new CaTrust(certs.get(0));
    }

    @Override
    public Verdict admit(KeyRecord announcement) {
        if (announcement.certificatePem() == null) {
            return Verdict.reject("not_certified");
        }
        X509Certificate cert;
        try {
            cert = PemFiles.certificates(announcement.certificatePem()).get(0);
        } catch (GeneralSecurityException | RuntimeException e) {
            return Verdict.reject("not_certified");
        }
        String problem = check(cert, announcement.dc());
        if (problem != null) {
            return Verdict.reject(problem);
        }
        if (!Arrays.equals(cert.getPublicKey().getEncoded(), announcement.publicKey())) {
            return Verdict.reject("key_mismatch");
        }
        PublicKey key = Ed25519.publicKey(announcement.publicKey());
        if (key == null) {
            return Verdict.reject("bad_key");
        }
        keys.put(announcement.dc(), key);
        return Verdict.accept(key);
    }

    /** Why a record-signing certificate does not vouch for a DC, or null when it does. */
    public String check(X509Certificate cert, String dc) {
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            return "not_certified";
        }
        try {
            cert.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            return "expired";
        }
        if (!dc.equals(PemFiles.subjectField(cert, "CN")) || !SIGNING_UNIT.equals(PemFiles.subjectField(cert, "OU"))) {
            return "wrong_dc";
        }
        return null;
    }

    @Override
    public PublicKey keyFor(String dc) {
        return keys.get(dc);
    }
}
