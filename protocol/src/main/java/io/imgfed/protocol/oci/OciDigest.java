package io.imgfed.protocol.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A content digest, {@code algorithm:encoded}, valid by construction and limited to what this registry can
 * verify: {@code sha256} with 64 lowercase hex digits or {@code sha512} with 128.
 *
 * <p>A string that is a digest under the image spec's grammar ({@code algorithm ::= [a-z0-9]+([+._-][a-z0-9]+)*},
 * {@code encoded ::= [a-zA-Z0-9=_-]+}) but names another algorithm is refused with DIGEST_INVALID, not
 * UNSUPPORTED: on a pull, 400 tells the client that this reference cannot work here, where 415 would speak of
 * a media type. Its message says the algorithm is not supported, so the client can tell the two cases apart.
 */
public record OciDigest(String algorithm, String encoded) implements Reference {

    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";

    /** Longer input is refused unread; the longest digest accepted is 135 characters. */
    static final int MAX_LENGTH = 1024;

    /** @throws OciException DIGEST_INVALID naming what is wrong */
    public OciDigest {
        String problem = encodedError(algorithm, encoded);
        if (problem != null) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, problem);
        }
    }

    /** @throws OciException DIGEST_INVALID naming what is wrong */
    public static OciDigest parse(String digest) {
        if (digest == null || digest.isEmpty()) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "digest is empty");
        }
        if (digest.length() > MAX_LENGTH) {
            throw invalid("digest " + Quoted.of(digest) + " is " + digest.length() + " characters long");
        }
        int colon = digest.indexOf(':');
        if (colon < 0) {
            throw invalid("digest " + Quoted.of(digest) + " is not <algorithm>:<encoded>");
        }
        String algorithm = digest.substring(0, colon);
        String encoded = digest.substring(colon + 1);
        String problem = grammarError(algorithm, encoded);
        if (problem != null) {
            throw invalid("digest " + Quoted.of(digest) + " " + problem);
        }
        return new OciDigest(algorithm, encoded);
    }

    /** The sha256 digest of {@code content}. */
    public static OciDigest sha256(byte[] content) {
        return new OciDigest(SHA256, HexFormat.of().formatHex(messageDigest(SHA256).digest(content)));
    }

    /**
     * The digest for a hash computed elsewhere (a stream hashed chunk by chunk).
     *
     * @throws OciException DIGEST_INVALID if the algorithm is not supported or the hash has the wrong length
     */
    public static OciDigest of(String algorithm, byte[] hash) {
        return new OciDigest(algorithm, HexFormat.of().formatHex(hash));
    }

    /** A fresh hasher for this digest's algorithm, to verify a stream against it. */
    public MessageDigest newMessageDigest() {
        return messageDigest(algorithm);
    }

    /** Whether {@code content} hashes to this digest (in this digest's algorithm). */
    public boolean matches(byte[] content) {
        return MessageDigest.isEqual(newMessageDigest().digest(content), HexFormat.of().parseHex(encoded));
    }

    public boolean isSha256() {
        return SHA256.equals(algorithm);
    }

    /** {@code algorithm:encoded}, as in URLs, headers and manifests. */
    @Override
    public String toString() {
        return algorithm + ":" + encoded;
    }

    /** Whether the two parts are a digest under the image spec's general grammar; null if they are. */
    private static String grammarError(String algorithm, String encoded) {
        if (algorithm.isEmpty()) {
            return "has no algorithm before ':'";
        }
        boolean afterSeparator = true;
        for (int i = 0; i < algorithm.length(); i++) {
            char c = algorithm.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            boolean separator = c == '+' || c == '.' || c == '_' || c == '-';
            if (!alnum && !separator) {
                return "has " + Quoted.of(c) + " in its algorithm; an algorithm holds lowercase letters, digits and "
                        + "'+', '.', '_', '-' between them";
            }
            if (separator && afterSeparator) {
                return "has the separator " + Quoted.of(c) + " at position " + (i + 1)
                        + " of its algorithm; a separator stands between letters or digits";
            }
            afterSeparator = separator;
        }
        if (afterSeparator) {
            return "has an algorithm ending in a separator";
        }
        if (encoded.isEmpty()) {
            return "has nothing after ':'";
        }
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '=' || c == '_'
                    || c == '-')) {
                return "has " + Quoted.of(c) + " at position " + (algorithm.length() + 2 + i)
                        + "; the encoded part holds letters, digits, '=', '_' and '-'";
            }
        }
        return null;
    }

    /** Whether a well-formed digest is one this registry verifies; null if it is. */
    private static String encodedError(String algorithm, String encoded) {
        if (algorithm == null || encoded == null) {
            return "digest lacks its " + (algorithm == null ? "algorithm" : "encoded part");
        }
        int hexLength;
        if (SHA256.equals(algorithm)) {
            hexLength = 64;
        } else if (SHA512.equals(algorithm)) {
            hexLength = 128;
        } else {
            return "digest algorithm " + Quoted.of(algorithm) + " is not supported; use sha256 or sha512";
        }
        if (encoded.length() != hexLength) {
            return algorithm + " digest must be " + hexLength + " lowercase hex digits; " + Quoted.of(encoded)
                    + " has " + encoded.length();
        }
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return algorithm + " digest must be " + hexLength + " lowercase hex digits; it has " + Quoted.of(c)
                        + " at position " + (i + 1) + " of " + Quoted.of(encoded);
            }
        }
        return null;
    }

    private static OciException invalid(String message) {
        return new OciException(OciErrorCode.DIGEST_INVALID, message);
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(SHA512.equals(algorithm) ? "SHA-512" : "SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256 and SHA-512", e);
        }
    }
}
