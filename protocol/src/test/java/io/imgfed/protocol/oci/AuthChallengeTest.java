package io.imgfed.protocol.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthChallengeTest {
    @Test
    void dockerHubsBearerChallenge() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/alpine:pull\"").orElseThrow();
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull",
                c.tokenUrl("library/alpine").toString());
    }

    @Test
    void withoutAScopeThePullOfTheRepositoryIsAsked() {
        AuthChallenge c = AuthChallenge.parse("bearer realm=\"http://127.0.0.1:5001/auth?x=1\", service=reg").orElseThrow();
        assertEquals("http://127.0.0.1:5001/auth?x=1&service=reg&scope=repository%3Ateam%2Fapp%3Apull",
                c.tokenUrl("team/app").toString());
    }

    @Test
    void basicAndQuotedEscapes() {
        AuthChallenge c = AuthChallenge.parse("Basic realm=\"a \\\"quoted\\\" realm\"").orElseThrow();
        assertFalse(c.isBearer());
        assertEquals("a \"quoted\" realm", c.params().get("realm"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Negotiate abc", "Digest realm=\"x\""})
    void challengesThisClientCannotAnswer(String header) {
        assertTrue(AuthChallenge.parse(header).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer service=x", "Bearer realm=\"file:///etc/passwd\"", "Bearer realm=\"not a url\""})
    void aRealmThatIsNotAnHttpUrlIsRefused(String header) {
        AuthChallenge c = AuthChallenge.parse(header).orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> c.tokenUrl("team/app"));
    }
}
