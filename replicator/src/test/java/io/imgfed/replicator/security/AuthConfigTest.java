package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.config.ConfigException;
import io.imgfed.replicator.config.ConfigLoader;
import io.imgfed.replicator.config.ImgfedConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The security-relevant configuration rules: no unauthenticated API off loopback unless forced, no tokens or
 * signatures off loopback without TLS unless forced, TLS and trust pairs, trust on first use only for named DCs.
 */
class AuthConfigTest {

    private static ConfigException refused(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml(yaml), yaml);
    }

    @Test
    void noAuthOnANonLoopbackListenerIsAConfigError() {
        for (String host : new String[] {"0.0.0.0", "10.0.0.5", "::", "example.com", "127.evil.example.com", "localhost.evil.example.com"}) {
            ConfigException e = refused("http: {host: \"" + host + "\"}\n");
            assertEquals("auth.mode", e.key(), host);
            assertTrue(e.getMessage().startsWith("auth.mode: "), e.getMessage());
            assertTrue(e.getMessage().contains("allowInsecure"), "the message says how to force it: " + e.getMessage());
            // Explicitly none: same answer.
            assertEquals("auth.mode", refused("http: {host: \"" + host + "\"}\nauth: {mode: none}\n").key());
        }
    }

    @Test
    void noAuthIsFineOnLoopbackOrWhenForced() {
        for (String host : new String[] {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
            assertEquals(ImgfedConfig.AuthMode.NONE, ConfigLoader.fromYaml("http: {host: \"" + host + "\"}\n").auth().mode());
        }
        ImgfedConfig forced = ConfigLoader.fromYaml("http: {host: 0.0.0.0}\nauth: {mode: none, allowInsecure: true}\n");
        assertEquals(ImgfedConfig.AuthMode.NONE, forced.auth().mode());
        assertEquals(ImgfedConfig.AuthMode.SIGNATURE, ConfigLoader.fromYaml("http: {host: 0.0.0.0, tls: {cert: /a.pem, "
                + "key: /a.key}}\nauth: {mode: signature, keys: /etc/imgfed/keys}\n").auth().mode());
        // The environment can force it too.
        assertEquals(ImgfedConfig.AuthMode.TOKEN, ConfigLoader.load(null, Map.of("IMGFED_HTTP_HOST", "0.0.0.0",
                "IMGFED_HTTP_TLS_CERT", "/a.pem", "IMGFED_HTTP_TLS_KEY", "/a.key",
                "IMGFED_AUTH_MODE", "token", "IMGFED_AUTH_TOKENS", "/etc/imgfed/tokens")).auth().mode());
        assertEquals("auth.mode", assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("IMGFED_HTTP_HOST", "0.0.0.0"))).key());
    }

    /** Issue 12: a bearer token or a replayable signature must not cross a network in plain HTTP. */
    @Test
    void tokensAndSignaturesOffLoopbackRequireTls() {
        for (String mode : new String[] {"signature", "token"}) {
            String auth = "auth: {mode: " + mode + ", tokens: /etc/imgfed/tokens";
            for (String host : new String[] {"0.0.0.0", "10.0.0.1", "dc1.example.com", "::"}) {
                ConfigException e = refused("http: {host: \"" + host + "\"}\n" + auth + "}\n");
                assertEquals("http.tls", e.key(), mode + " on " + host);
                assertTrue(e.getMessage().startsWith("http.tls: is required when auth.mode is " + mode), e.getMessage());
                assertTrue(e.getMessage().contains("auth.allowInsecure"), "the message says how to force it: " + e.getMessage());
                // With TLS, or forced (a TLS proxy on the host), it starts.
                assertEquals(mode, ConfigLoader.fromYaml("http: {host: \"" + host + "\", tls: {cert: /a.pem, key: /a.key}}\n"
                        + auth + "}\n").auth().mode().name().toLowerCase(java.util.Locale.ROOT));
                assertTrue(ConfigLoader.fromYaml("http: {host: \"" + host + "\"}\n" + auth + ", allowInsecure: true}\n")
                        .auth().allowInsecure());
            }
            // On loopback nothing crosses a network.
            for (String host : new String[] {"127.0.0.1", "localhost", "::1"}) {
                assertEquals(null, ConfigLoader.fromYaml("http: {host: \"" + host + "\"}\n" + auth + "}\n").http().tls());
            }
        }
        ConfigException env = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of(
                "IMGFED_HTTP_HOST", "0.0.0.0", "IMGFED_AUTH_MODE", "token", "IMGFED_AUTH_TOKENS", "/etc/imgfed/tokens")));
        assertEquals("http.tls", env.key());
    }

    /**
     * Issue 12: trust on first use pins a key for a DC name the first time any Hazelcast member announces it, so
     * with other members to join, the configuration must name the federation's DCs (federation.dcs, or the DCs of
     * federation.costs); a rogue member's key for any other name is then refused.
     */
    @Test
    void trustOnFirstUseWithOtherMembersNeedsTheFederationsDcNames() {
        String members = "members: [10.0.0.1:5701, 10.0.0.2:5701]";
        ConfigException e = refused("dc: a\nfederation: {" + members + "}\n");
        assertEquals("federation.dcs", e.key());
        assertTrue(e.getMessage().contains("federation.trust"), "the message names the alternative: " + e.getMessage());
        assertEquals("federation.dcs", refused("dc: a\nfederation: {" + members + ", dcs: [a]}\n").key(),
                "this DC's own name lists no other");
        assertEquals(java.util.List.of("b", "c"),
                ConfigLoader.fromYaml("dc: a\nfederation: {" + members + ", dcs: [b, c]}\n").federation().dcs());
        assertEquals(java.util.List.of(), ConfigLoader.fromYaml("dc: a\nfederation: {" + members + ", costs: {b: 1, c: 4}}\n")
                .federation().dcs(), "the DCs of federation.costs count as listed");
        // CA trust needs no list: the CA's certificates name the DCs.
        assertEquals(java.util.List.of(), ConfigLoader.fromYaml("dc: a\nfederation: {" + members
                + ", trust: /ca.pem, signingKey: /a.signing.pem}\n").federation().dcs());
        // A DC alone: no members, or only its own address.
        ConfigLoader.fromYaml("dc: a\n");
        ConfigLoader.fromYaml("dc: a\nfederation: {host: 127.0.0.1, port: 5701, members: [127.0.0.1:5701]}\n");
        // Names are DC names; the environment takes a comma-separated list like federation.members.
        assertEquals("federation.dcs[1]", refused("federation: {dcs: [b, Not_A_Dc]}\n").key());
        assertEquals("federation.dcs", refused("federation: {dcs: b}\n").key());
        assertEquals(java.util.List.of("b", "c"), ConfigLoader.load(null, Map.of("IMGFED_FEDERATION_MEMBERS", "10.0.0.2:5701",
                "IMGFED_FEDERATION_DCS", "b,c")).federation().dcs());
        assertEquals("federation.dcs", assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("IMGFED_FEDERATION_MEMBERS", "10.0.0.2:5701"))).key());
    }

    @Test
    void authDefaultsAndBadValues() {
        ImgfedConfig.Auth a = ConfigLoader.fromYaml("").auth();
        assertEquals(ImgfedConfig.AuthMode.NONE, a.mode());
        assertEquals(Duration.ofMinutes(5), a.clockSkew());
        assertEquals(java.util.List.of("admin"), a.operators());
        assertEquals("auth.mode", refused("auth: {mode: basic}\n").key());
        assertEquals("auth.tokens", refused("auth: {mode: token}\n").key());
        assertEquals(Duration.ofSeconds(30),
                ConfigLoader.fromYaml("auth: {mode: signature, clockSkew: 30s}\n").auth().clockSkew());
        assertFalse(a.dateOnlySignatures(), "signatures must cover (request-target) by default");
        assertTrue(ConfigLoader.fromYaml("auth: {mode: signature, dateOnlySignatures: true}\n").auth().dateOnlySignatures());
        assertEquals("auth.dateOnlySignatures", refused("auth: {dateOnlySignatures: yes please}\n").key());
    }

    @Test
    void tlsAndTrustComeInPairs() {
        assertEquals("peer.tls.ca", refused("peer: {tls: {cert: /c.pem, key: /c.key}}\n").key());
        assertTrue(refused("peer: {tls: {cert: /c.pem}}\n").key().startsWith("peer.tls"));
        assertEquals("federation.signingKey", refused("federation: {trust: /ca.pem}\n").key());
        assertEquals("federation.trust", refused("federation: {signingKey: /a.signing.pem}\n").key());
        ImgfedConfig ok = ConfigLoader.fromYaml("peer: {tls: {cert: /c.pem, key: /c.key, ca: /ca.pem}}\n"
                + "federation: {trust: /ca.pem, signingKey: /a.signing.pem}\n");
        assertEquals("/ca.pem", ok.peer().tls().ca().toString());
        assertEquals(Duration.ofSeconds(10), ok.http().headerTimeout(), "slow-header guard on by default");
        assertEquals(1L << 20, ok.http().maxBodyBytes(), "1 MiB body limit by default");
    }
}
