package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals(ImgfedConfig.AuthMode.SIGNATURE,
                ConfigLoader.fromYaml("http: {host: 0.0.0.0}\nauth: {mode: signature, keys: /etc/imgfed/keys}\n").auth().mode());
        // The environment can force it too.
        assertEquals(ImgfedConfig.AuthMode.TOKEN, ConfigLoader.load(null, Map.of("IMGFED_HTTP_HOST", "0.0.0.0",
                "IMGFED_AUTH_MODE", "token", "IMGFED_AUTH_TOKENS", "/etc/imgfed/tokens")).auth().mode());
        assertEquals("auth.mode", assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("IMGFED_HTTP_HOST", "0.0.0.0"))).key());
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
