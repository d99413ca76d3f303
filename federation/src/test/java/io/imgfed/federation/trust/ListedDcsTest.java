package io.imgfed.federation.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trust on first use kept to the configured DC names (issue 12): a key announced for a name the configuration
 * does not list is refused as unlisted_dc and never pinned; a listed name is pinned by its first announcement.
 */
class ListedDcsTest {
    @TempDir
    Path dir;

    static KeyRecord announce(String dc, KeyPair kp) {
        return new KeyRecord(dc, kp.getPublic().getEncoded(), null);
    }

    @Test
    void anUnlistedDcNameIsRefusedAndNeverPinned() throws Exception {
        PinnedKeys pins = PinnedKeys.load(dir, SigningIdentity.loadOrGenerate("a", dir));
        ListedDcs trust = new ListedDcs(pins, Set.of("a", "b", "c"));

        TrustPolicy.Verdict v = trust.admit(announce("zz", Ed25519.generate()));
        assertFalse(v.accepted());
        assertEquals(ListedDcs.UNLISTED, v.rejectReason());
        assertNull(pins.keyFor("zz"), "not pinned");
        // The file's field names are the pinned DCs; its values are base64 keys, which may contain "zz" by chance.
        assertFalse(Json.MAPPER.readTree(Files.readAllBytes(dir.resolve("pinned-keys.json"))).has("zz"),
                "not pinned on disk either");
        assertNull(trust.current("zz"), "records of zz find no key");

        // A listed DC that has not joined yet: its first announcement is pinned, whoever makes it. This is the limit
        // of trust on first use (README): CA trust (federation.trust) has none.
        KeyPair first = Ed25519.generate();
        assertTrue(trust.admit(announce("b", first)).accepted());
        assertEquals("key_mismatch", trust.admit(announce("b", Ed25519.generate())).rejectReason(),
                "a later key for b, the real one included, is refused");
        assertNotNull(trust.current("b"));
        assertTrue(trust.current("a").accepted(), "this DC's own key");
    }

    @Test
    void aKeyPinnedForANameNoLongerListedIsNotUsed() throws Exception {
        SigningIdentity self = SigningIdentity.loadOrGenerate("a", dir);
        PinnedKeys before = PinnedKeys.load(dir, self);
        assertTrue(before.admit(announce("x", Ed25519.generate())).accepted(), "pinned while every name was accepted");

        ListedDcs trust = new ListedDcs(PinnedKeys.load(dir, self), Set.of("a", "b"));
        assertNull(trust.keyFor("x"));
        assertNull(trust.current("x"));
        assertEquals(ListedDcs.UNLISTED, trust.admit(announce("x", Ed25519.generate())).rejectReason());
    }
}
