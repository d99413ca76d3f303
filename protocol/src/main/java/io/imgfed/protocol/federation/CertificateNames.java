package io.imgfed.protocol.federation;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/** The DC a certificate speaks for: its subject common name (what {@code imgfed certs issue} puts there). */
public final class CertificateNames {
    private CertificateNames() {
    }

    /** A subject attribute (CN, OU, O) of a certificate, or null. */
    public static String subjectField(X509Certificate c, String field) {
        String dn = c.getSubjectX500Principal().getName(X500Principal.RFC2253);
        for (String part : dn.split("(?<!\\\\),")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equalsIgnoreCase(field)) {
                return part.substring(eq + 1).trim();
            }
        }
        return null;
    }

    /** The CN of the first (leaf) certificate of a chain, or null. */
    public static String dcOf(List<Certificate> chain) {
        if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
            return null;
        }
        return subjectField(leaf, "CN");
    }
}
