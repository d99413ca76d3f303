package io.imgfed.federation.trust;

import io.imgfed.protocol.federation.KeyRecord;
import java.security.PublicKey;
import java.util.Set;

/**
 * Trust on first use kept to the federation's own DC names ({@code federation.dcs}, the DCs of
 * {@code federation.costs}, and this DC): a key announcement for any other name is refused as
 * {@value #UNLISTED}, so a rogue Hazelcast member cannot pin a key for a DC the configuration does not know, and
 * a key pinned for such a name before is not used. A listed DC that has not joined yet is still pinned by
 * whoever announces it first: that is the limit of trust on first use, which CA trust ({@code federation.trust})
 * does not have.
 */
public final class ListedDcs implements TrustPolicy {
    public static final String UNLISTED = "unlisted_dc";

    private final TrustPolicy pins;
    private final Set<String> listed;

    public ListedDcs(TrustPolicy pins, Set<String> listed) {
        this.pins = pins;
        this.listed = Set.copyOf(listed);
    }

    @Override
    public Verdict admit(KeyRecord announcement) {
        return listed.contains(announcement.dc()) ? pins.admit(announcement) : Verdict.reject(UNLISTED);
    }

    /** Null for an unlisted DC: its records are never verified, and count as unknown_key after the grace. */
    @Override
    public PublicKey keyFor(String dc) {
        return listed.contains(dc) ? pins.keyFor(dc) : null;
    }

    @Override
    public Verdict current(String dc) {
        return listed.contains(dc) ? pins.current(dc) : null;
    }
}
