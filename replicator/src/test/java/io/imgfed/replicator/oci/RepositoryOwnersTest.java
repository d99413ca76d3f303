package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RepositoryOwnersTest {
    private final RepositoryOwners owners = new RepositoryOwners(Map.of("team", "o-team", "team/secret", "o-secret",
            "docker.io", "o-hub"));

    @Test
    void theLongestPrefixAtAComponentBoundaryWins() {
        assertEquals("o-team", owners.of("team"));
        assertEquals("o-team", owners.of("team/app"));
        assertEquals("o-secret", owners.of("team/secret"));
        assertEquals("o-secret", owners.of("team/secret/web"));
        assertEquals("o-team", owners.of("team/secrets"), "not a component boundary");
        assertEquals("o-hub", owners.of("docker.io/library/alpine"));
    }

    @Test
    void aRepositoryNoPrefixCoversHasNoOwner() {
        assertNull(owners.of("teams/app"));
        assertNull(owners.of("other"));
        assertNull(new RepositoryOwners(Map.of()).of("team/app"));
    }
}
