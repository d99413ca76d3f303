package io.imgfed.transfer.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digests a {@link BlobWriter} can compute in its single pass. {@code PIECES} is the file's
 * {@link io.imgfed.protocol.pieces.PieceList}: a sha256 per piece, which every DC pulling the file checks.
 */
public enum DigestKind {
    SHA1("SHA-1"), MD5("MD5"), SHA256("SHA-256"), PIECES(null);

    private final String algorithm;

    DigestKind(String algorithm) {
        this.algorithm = algorithm;
    }

    MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JVM", e);
        }
    }
}
