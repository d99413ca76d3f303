package io.imgfed.replicator.auth;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** OpenSSH public keys ({@code authorized_keys} lines) as JDK keys: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256. */
public final class SshPublicKeys {
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow. */
    private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");

    private SshPublicKeys() {
    }

    /** Parses one line ({@code type base64 [comment]}); throws IllegalArgumentException naming the problem. */
    public static PublicKey parse(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not an OpenSSH public key line");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key data is not base64");
        }
        ByteBuffer b = ByteBuffer.wrap(blob);
        String type = new String(field(b), StandardCharsets.US_ASCII);
        if (!type.equals(parts[0])) {
            throw new IllegalArgumentException("key type " + parts[0] + " does not match its data (" + type + ")");
        }
        try {
            switch (type) {
                case "ssh-rsa": {
                    BigInteger e = new BigInteger(field(b));
                    BigInteger n = new BigInteger(field(b));
                    return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
                }
                case "ssh-ed25519": {
                    byte[] raw = field(b);
                    if (raw.length != 32) {
                        throw new IllegalArgumentException("ed25519 key of the wrong size");
                    }
                    byte[] spki = Arrays.copyOf(ED25519_SPKI, ED25519_SPKI.length + 32);
                    System.arraycopy(raw, 0, spki, ED25519_SPKI.length, 32);
                    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                }
                case "ecdsa-sha2-nistp256": {
                    field(b);
                    byte[] q = field(b);
                    if (q.length != 65 || q[0] != 4) {
                        throw new IllegalArgumentException("only uncompressed P-256 points are supported");
                    }
                    AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
                    params.init(new ECGenParameterSpec("secp256r1"));
                    ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
                    ECPoint point = new ECPoint(new BigInteger(1, Arrays.copyOfRange(q, 1, 33)),
                            new BigInteger(1, Arrays.copyOfRange(q, 33, 65)));
                    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
                }
                default:
                    throw new IllegalArgumentException("unsupported key type " + type);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unreadable " + type + " key: " + e.getMessage());
        }
    }

    private static byte[] field(ByteBuffer b) {
        if (b.remaining() < 4) {
            throw new IllegalArgumentException("truncated key data");
        }
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("truncated key data");
        }
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }
}
