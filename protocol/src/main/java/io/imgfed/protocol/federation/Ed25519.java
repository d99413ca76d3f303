package io.imgfed.protocol.federation;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;

/** Ed25519 signatures with the JDK's own provider: key generation, encoding, sign and verify. */
public final class Ed25519 {
    private Ed25519() {
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks Ed25519", e);
        }
    }

    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with this key", e);
        }
    }

    /** False for a bad signature, a wrong key type or garbage: never throws on hostile input. */
    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        if (key == null || signature == null || signature.length != 64) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Parses an X.509 SubjectPublicKeyInfo encoding; null if it is not an Ed25519 public key. */
    public static PublicKey publicKey(byte[] spki) {
        try {
            PublicKey k = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            return "EdDSA".equals(k.getAlgorithm()) || "Ed25519".equals(k.getAlgorithm()) ? k : null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    public static PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }
}
