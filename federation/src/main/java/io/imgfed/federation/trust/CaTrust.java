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
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trust rooted in the federation CA ({@code federation.trust}): a DC's record-signing key is accepted only
 * with a certificate from that CA naming the same DC (subject CN) and the same key. So no member of the
 * Hazelcast cluster, rogue or not, can publish records in another DC's name. The certificate is kept with the
 * key and its validity checked again for every record verified with that key: once it has expired, the DC's
 * records are refused as {@code expired} until it announces a key with a valid certificate.
 */
public final class CaTrust implements TrustPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(CaTrust.class);
    public static final String SIGNING_UNIT = "record-signing";

    /** A DC's admitted key and the certificate that vouched for it. */
    private record Admitted(PublicKey key, X509Certificate certificate) {
    }

    private final X509Certificate ca;
    private final Clock clock;
    private final Map<String, Admitted> admitted = new ConcurrentHashMap<>();
    /** DCs whose expiry was logged (once each, not once per record). */
    private final Set<String> expiredLogged = ConcurrentHashMap.newKeySet();

    public CaTrust(X509Certificate ca) {
        this(ca, Clock.systemUTC());
    }

    /** With the clock that certificate validity is judged by. */
    public CaTrust(X509Certificate ca, Clock clock) {
        this.ca = ca;
        this.clock = clock;
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
        admitted.put(announcement.dc(), new Admitted(key, cert));
        expiredLogged.remove(announcement.dc());
        return Verdict.accept(key);
    }

    /** Why a record-signing certificate does not vouch for a DC, or null when it does. */
    public String check(X509Certificate cert, String dc) {
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            return "not_certified";
        }
        if (!validNow(cert)) {
            return "expired";
        }
        if (!dc.equals(PemFiles.subjectField(cert, "CN")) || !SIGNING_UNIT.equals(PemFiles.subjectField(cert, "OU"))) {
            return "wrong_dc";
        }
        return null;
    }

    private boolean validNow(X509Certificate cert) {
        try {
            cert.checkValidity(Date.from(clock.instant()));
            return true;
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            return false;
        }
    }

    /** The key admitted for a DC while its certificate is valid, else null. */
    @Override
    public PublicKey keyFor(String dc) {
        Verdict v = current(dc);
        return v != null && v.accepted() ? v.key() : null;
    }

    @Override
    public Verdict current(String dc) {
        Admitted a = admitted.get(dc);
        if (a == null) {
            return null;
        }
        if (!validNow(a.certificate())) {
            if (expiredLogged.add(dc)) {
                LOG.warn("the record-signing certificate of DC {} is not valid now (valid until {}); its records are "
                        + "refused until it announces a key with a valid certificate", dc,
                        a.certificate().getNotAfter().toInstant());
            }
            return Verdict.reject("expired");
        }
        return Verdict.accept(a.key());
    }
}
