package io.imgfed.federation.trust;

import io.imgfed.protocol.federation.KeyRecord;
import java.security.PublicKey;

/** Decides which key may sign records for which DC. */
public interface TrustPolicy {

    /** Either the key to verify this DC's records with, or why its announcement was refused. */
    record Verdict(PublicKey key, String rejectReason) {
        public static Verdict accept(PublicKey key) {
            return new Verdict(key, null);
        }

        public static Verdict reject(String reason) {
            return new Verdict(null, reason);
        }

        public boolean accepted() {
            return key != null;
        }
    }

    /**
     * Judges a DC's key announcement. The caller has already checked that the announcement is signed by the key
     * it announces (so only the key's holder can make it).
     */
    Verdict admit(KeyRecord announcement);

    /** The key currently trusted for a DC, or null. */
    PublicKey keyFor(String dc);

    /**
     * What to verify a record of this DC with now: accepted with the key; rejected, with the reason, when the key
     * that was admitted may no longer be used (say the certificate that vouched for it has expired); null while no
     * key is known for the DC (its records wait for one). Called for every record received, so it must be cheap.
     */
    default Verdict current(String dc) {
        PublicKey key = keyFor(dc);
        return key == null ? null : Verdict.accept(key);
    }
}
