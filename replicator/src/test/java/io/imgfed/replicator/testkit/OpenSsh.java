package io.imgfed.replicator.testkit;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;

/** Test keys in the forms {@code auth.keys} and clients want: OpenSSH public key lines, PKCS#8 PEM private keys. */
public final class OpenSsh {
    private OpenSsh() {
    }

    /** The {@code authorized_keys} line of an RSA, EC P-256 or Ed25519 public key. */
    public static String publicLine(PublicKey key, String comment) {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        String type;
        if (key instanceof RSAPublicKey rsa) {
            type = "ssh-rsa";
            string(blob, type.getBytes(StandardCharsets.US_ASCII));
            string(blob, rsa.getPublicExponent().toByteArray());
            string(blob, rsa.getModulus().toByteArray());
        } else if (key instanceof ECPublicKey ec) {
            type = "ecdsa-sha2-nistp256";
            string(blob, type.getBytes(StandardCharsets.US_ASCII));
            string(blob, "nistp256".getBytes(StandardCharsets.US_ASCII));
            byte[] q = new byte[65];
            q[0] = 4;
            fixed(ec.getW().getAffineX(), q, 1);
            fixed(ec.getW().getAffineY(), q, 33);
            string(blob, q);
        } else if (key.getAlgorithm().equals("EdDSA") || key.getAlgorithm().equals("Ed25519")) {
            type = "ssh-ed25519";
            byte[] spki = key.getEncoded();
            string(blob, type.getBytes(StandardCharsets.US_ASCII));
            string(blob, Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        } else {
            throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
        }
        return type + " " + Base64.getEncoder().encodeToString(blob.toByteArray()) + " " + comment;
    }

    /** A PKCS#8 {@code PRIVATE KEY} PEM, which node's crypto (and so sshpk) reads for every key type. */
    public static String pkcs8Pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    private static void fixed(BigInteger v, byte[] into, int at) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, into, at + 32 - n, n);
    }

    private static void string(ByteArrayOutputStream out, byte[] value) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(value.length).array());
        out.writeBytes(value);
    }
}
