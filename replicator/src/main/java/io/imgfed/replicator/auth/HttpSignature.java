package io.imgfed.replicator.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * IMGAPI's HTTP Signature scheme (draft-cavage-http-signatures): {@code Authorization: Signature keyId="<user>",
 * algorithm="rsa-sha256",headers="(request-target) date",signature="<base64>"} over the signing string of the
 * listed headers. Without {@code headers} only {@code date} is signed, which is what sdc-clients sends; which
 * header sets are acceptable is {@link AuthenticatedCallers}' decision. Algorithms: rsa-sha1/256/512,
 * ecdsa-sha256, ed25519 (as "ed25519" or sshpk's "ed25519-sha512").
 */
public record HttpSignature(String keyId, String algorithm, List<String> headers, byte[] signature) {

    /** Parses the header; null when it is not a Signature header, IllegalArgumentException when malformed. */
    public static HttpSignature parse(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Signature ", 0, 10)) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        String s = authorization.substring(10).trim();
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0 || eq + 1 >= s.length() || s.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("malformed Signature parameters");
            }
            String key = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            int end = s.indexOf('"', eq + 2);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated Signature parameter " + key);
            }
            params.put(key, s.substring(eq + 2, end));
            i = end + 1;
            while (i < s.length() && (s.charAt(i) == ',' || s.charAt(i) == ' ')) {
                i++;
            }
        }
        String keyId = params.get("keyid");
        String alg = params.get("algorithm");
        String sig = params.get("signature");
        if (keyId == null || alg == null || sig == null) {
            throw new IllegalArgumentException("Signature needs keyId, algorithm and signature");
        }
        List<String> headers = List.of(params.getOrDefault("headers", "date").toLowerCase(Locale.ROOT).trim().split("\\s+"));
        try {
            return new HttpSignature(keyId, alg.toLowerCase(Locale.ROOT), headers, Base64.getDecoder().decode(sig));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signature is not base64");
        }
    }

    /** The user a keyId names: sdc-clients sends the user itself; "/user/keys/..." (Manta style) also works. */
    public String user() {
        if (keyId.startsWith("/")) {
            String[] p = keyId.split("/");
            return p.length > 1 ? p[1] : keyId;
        }
        return keyId;
    }

    /** The string that was signed, from the request's headers (and "(request-target)"). */
    public String signingString(Function<String, String> header, String method, String uri) {
        StringBuilder sb = new StringBuilder();
        for (String h : headers) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            if (h.equals("(request-target)")) {
                sb.append("(request-target): ").append(method.toLowerCase(Locale.ROOT)).append(' ').append(uri);
            } else {
                String v = header.apply(h);
                if (v == null) {
                    throw new IllegalArgumentException("signed header " + h + " is missing");
                }
                sb.append(h).append(": ").append(v);
            }
        }
        return sb.toString();
    }

    /** Whether one of the keys made this signature over the signing string. */
    public boolean verifiedBy(List<PublicKey> keys, String signingString) {
        byte[] data = signingString.getBytes(StandardCharsets.UTF_8);
        for (PublicKey k : keys) {
            String jca = jcaAlgorithm(k);
            if (jca == null) {
                continue;
            }
            try {
                Signature v = Signature.getInstance(jca);
                v.initVerify(k);
                v.update(data);
                if (v.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this key
            }
        }
        return false;
    }

    /** The JCA algorithm for this signature's algorithm name and a key of the matching type, else null. */
    private String jcaAlgorithm(PublicKey k) {
        String type = k.getAlgorithm();
        return switch (algorithm) {
            case "rsa-sha1" -> "RSA".equals(type) ? "SHA1withRSA" : null;
            case "rsa-sha256" -> "RSA".equals(type) ? "SHA256withRSA" : null;
            case "rsa-sha512" -> "RSA".equals(type) ? "SHA512withRSA" : null;
            case "ecdsa-sha256" -> "EC".equals(type) ? "SHA256withECDSA" : null;
            case "ed25519", "ed25519-sha512" -> "EdDSA".equals(type) || "Ed25519".equals(type) ? "Ed25519" : null;
            default -> null;
        };
    }
}
