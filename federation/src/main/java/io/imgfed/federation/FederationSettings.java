package io.imgfed.federation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the federation layer needs to know about this DC: its name, where to join, whom to trust, and how
 * quickly to judge others dead.
 *
 * @param advertise the {@code host:port} other DCs reach this DC's member at, when it differs from
 *     {@code host:port} (a NAT, a proxy); null when they reach {@code host:port} itself
 * @param costs relative cost of pulling from each DC (lower is preferred; unlisted DCs cost {@link #DEFAULT_COST})
 * @param dcs the federation's DC names ({@code federation.dcs}); with the DCs of {@code costs} and this one, the
 *     only names trust on first use pins a key for
 * @param stateDir where the signing key, the pinned keys of other DCs and the record version mark are kept
 * @param trust the federation CA (PEM); with {@code signingKey}, CA-rooted trust replaces trust on first use
 * @param signingKey this DC's Ed25519 signing key with the CA's certificate of it (PEM)
 */
public record FederationSettings(
        String dc,
        String cluster,
        String host,
        int port,
        String advertise,
        List<String> members,
        Map<String, Double> costs,
        List<String> dcs,
        Duration heartbeat,
        Duration suspectAfter,
        Duration goneAfter,
        Path stateDir,
        Path trust,
        Path signingKey) {

    public static final double DEFAULT_COST = 1.0;

    public double costOf(String otherDc) {
        return costs.getOrDefault(otherDc, DEFAULT_COST);
    }

    /** Every DC name the configuration lists: {@code dcs}, the DCs of {@code costs}, and this DC. */
    public Set<String> listedDcs() {
        Set<String> all = new TreeSet<>(dcs);
        all.addAll(costs.keySet());
        all.add(dc);
        return Set.copyOf(all);
    }
}
