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

/** The security-relevant configuration rules: no unauthenticated API off loopback unless forced, TLS and trust pairs. */
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
