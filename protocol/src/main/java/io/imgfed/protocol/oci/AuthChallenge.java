package io.imgfed.protocol.oci;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A registry's {@code WWW-Authenticate} challenge (RFC 7235): {@code Bearer realm="https://auth/token",
 * service="registry",scope="repository:library/alpine:pull"} sends a client to a token server first (the
 * Distribution token flow); {@code Basic realm="..."} asks for credentials on every request.
 *
 * @param scheme {@code bearer} or {@code basic}, lower case
 * @param params the auth-params, names lower case, values unquoted
 */
public record AuthChallenge(String scheme, Map<String, String> params) {
    public static final String BEARER = "bearer";
    public static final String BASIC = "basic";

    public AuthChallenge {
        params = Map.copyOf(params);
    }

    /** The first challenge of the header, or empty when there is none this client can answer. */
    public static Optional<AuthChallenge> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.strip();
        int sp = indexOfSpace(h);
        String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase(Locale.ROOT);
        if (!scheme.equals(BEARER) && !scheme.equals(BASIC)) {
            return Optional.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        int i = sp < 0 ? h.length() : sp;
        while (i < h.length()) {
            while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',' || h.charAt(i) == '\t')) {
                i++;
            }
            int eq = h.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.indexOf(' ') >= 0) {
                // the next challenge of a list: only the first one is read
                break;
            }
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < h.length() && h.charAt(i) == '"') {
                i++;
                while (i < h.length() && h.charAt(i) != '"') {
                    if (h.charAt(i) == '\\' && i + 1 < h.length()) {
                        i++;
                    }
                    value.append(h.charAt(i++));
                }
                i++;
            } else {
                while (i < h.length() && h.charAt(i) != ',' && h.charAt(i) != ' ') {
                    value.append(h.charAt(i++));
                }
            }
            params.putIfAbsent(name, value.toString());
        }
        return Optional.of(new AuthChallenge(scheme, params));
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ' ' || s.charAt(i) == '\t') {
                return i;
            }
        }
        return -1;
    }

    public boolean isBearer() {
        return scheme.equals(BEARER);
    }

    /**
     * The token server's URL for a pull of {@code repository}: the realm with {@code service} and {@code scope}
     * (the challenge's scope when it names one, else a pull of the repository).
     *
     * @throws IllegalArgumentException when the realm is not an http(s) URL
     */
    public URI tokenUrl(String repository) {
        String realm = params.get("realm");
        URI base;
        try {
            base = realm == null ? null : URI.create(realm);
        } catch (IllegalArgumentException e) {
            base = null;
        }
        if (base == null || base.getHost() == null
                || !("https".equalsIgnoreCase(base.getScheme()) || "http".equalsIgnoreCase(base.getScheme()))) {
            throw new IllegalArgumentException("the registry's token realm is not an http(s) URL: " + Quoted.of(
                    String.valueOf(realm)));
        }
        StringBuilder q = new StringBuilder(base.getRawQuery() == null ? "" : base.getRawQuery());
        if (params.containsKey("service")) {
            q.append(q.length() == 0 ? "" : "&").append("service=").append(encode(params.get("service")));
        }
        String scope = params.getOrDefault("scope", "repository:" + repository + ":pull");
        q.append(q.length() == 0 ? "" : "&").append("scope=").append(encode(scope));
        String s = base.toString();
        int cut = s.indexOf('?');
        return URI.create((cut < 0 ? s : s.substring(0, cut)) + "?" + q);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
