package io.imgfed.protocol.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import org.junit.jupiter.api.Test;

/** Signatures made and checked on the raw keys are exactly the JDK provider's, both ways. */
class Ed25519Test {

    @Test
    void signsAndVerifiesAsTheJdkDoes() throws Exception {
        for (int i = 0; i < 20; i++) {
            KeyPair kp = Ed25519.generate();
            byte[] data = ("record " + i).repeat(i + 1).getBytes(StandardCharsets.UTF_8);
            Signature jdk = Signature.getInstance("Ed25519");
            jdk.initSign(kp.getPrivate());
            jdk.update(data);
            byte[] byJdk = jdk.sign();
            byte[] ours = Ed25519.sign(kp.getPrivate(), data);
            assertArrayEquals(byJdk, ours, "Ed25519 is deterministic: the same key and data sign to the same bytes");
            assertTrue(Ed25519.verify(kp.getPublic(), data, byJdk));
            jdk.initVerify(kp.getPublic());
            jdk.update(data);
            assertTrue(jdk.verify(ours));
        }
    }

    @Test
    void refusesWhatTheKeyDidNotSign() {
        KeyPair kp = Ed25519.generate();
        KeyPair other = Ed25519.generate();
        byte[] data = "data".getBytes(StandardCharsets.UTF_8);
        byte[] sig = Ed25519.sign(kp.getPrivate(), data);
        assertFalse(Ed25519.verify(other.getPublic(), data, sig));
        assertFalse(Ed25519.verify(kp.getPublic(), "datb".getBytes(StandardCharsets.UTF_8), sig));
        byte[] flipped = sig.clone();
        flipped[63] ^= 0x40;
        assertFalse(Ed25519.verify(kp.getPublic(), data, flipped));
        assertFalse(Ed25519.verify(kp.getPublic(), data, new byte[64]));
        assertFalse(Ed25519.verify(kp.getPublic(), data, new byte[63]));
    }
}
