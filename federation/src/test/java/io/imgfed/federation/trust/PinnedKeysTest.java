package io.imgfed.federation.trust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust on first use: pins kept across restarts, another key for a pinned DC refused as key_mismatch. */
class PinnedKeysTest {
    @TempDir
    Path dir;

    static KeyRecord announce(String dc, java.security.KeyPair kp) {
        return new KeyRecord(dc, kp.getPublic().getEncoded(), null);
    }

    @Test
    void firstKeyIsPinnedPersistedAndAnotherKeyRefusedBeforeAndAfterARestart() throws Exception {
        SigningIdentity self = SigningIdentity.loadOrGenerate("a", dir);
        PinnedKeys pins = PinnedKeys.load(dir, self);
        Path file = dir.resolve("pinned-keys.json");
        assertTrue(Files.exists(file), "own key pinned at once");
        assertArrayEquals(self.publicKey().getEncoded(), pins.keyFor("a").getEncoded());
        assertNull(pins.keyFor("b"));

        var bKey = Ed25519.generate();
        TrustPolicy.Verdict first = pins.admit(announce("b", bKey));
        assertTrue(first.accepted());
        assertArrayEquals(bKey.getPublic().getEncoded(), first.key().getEncoded());
        assertTrue(pins.admit(announce("b", bKey)).accepted(), "the same key again");
        TrustPolicy.Verdict other = pins.admit(announce("b", Ed25519.generate()));
        assertFalse(other.accepted());
        assertEquals("key_mismatch", other.rejectReason());
        assertEquals("key_mismatch", pins.admit(announce("a", Ed25519.generate())).rejectReason(), "nobody else's key for a");

        JsonNode onDisk = Json.tree(Files.readAllBytes(file));
        assertEquals(Base64.getEncoder().encodeToString(bKey.getPublic().getEncoded()), onDisk.path("b").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        // Restart: same identity, same pins.
        SigningIdentity again = SigningIdentity.loadOrGenerate("a", dir);
        assertArrayEquals(self.publicKey().getEncoded(), again.publicKey().getEncoded(), "the signing key is kept");
        PinnedKeys reloaded = PinnedKeys.load(dir, again);
        assertNotNull(reloaded.keyFor("b"));
        assertArrayEquals(bKey.getPublic().getEncoded(), reloaded.keyFor("b").getEncoded());
        assertTrue(reloaded.admit(announce("b", bKey)).accepted());
        assertEquals("key_mismatch", reloaded.admit(announce("b", Ed25519.generate())).rejectReason());
    }

    @Test
    void notAnEd25519KeyIsRefusedAndNotPinned() throws Exception {
        PinnedKeys pins = PinnedKeys.load(dir, SigningIdentity.loadOrGenerate("a", dir));
        TrustPolicy.Verdict v = pins.admit(new KeyRecord("c", new byte[] {1, 2, 3}, null));
        assertFalse(v.accepted());
        assertNull(pins.keyFor("c"));
        var ec = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
        assertFalse(pins.admit(new KeyRecord("c", ec.getPublic().getEncoded(), null)).accepted(), "an EC key");
        var good = Ed25519.generate();
        assertTrue(pins.admit(announce("c", good)).accepted(), "c can still pin a real key");
    }

    @Test
    void aDcWhoseOwnKeyChangedUnderItsPinsRefusesToStart() throws Exception {
        PinnedKeys.load(dir, SigningIdentity.loadOrGenerate("a", dir));
        Files.delete(dir.resolve("signing.key"));
        Files.delete(dir.resolve("signing.pub"));
        SigningIdentity regenerated = SigningIdentity.loadOrGenerate("a", dir);
        assertThrows(IOException.class, () -> PinnedKeys.load(dir, regenerated));
    }
}
