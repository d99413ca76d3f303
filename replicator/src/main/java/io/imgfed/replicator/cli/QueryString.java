package io.imgfed.replicator.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** An ordered, repeatable set of query parameters, encoded for a URL. */
public final class QueryString {
    private final List<String[]> params = new ArrayList<>();

    public static QueryString of(String... keyValues) {
        QueryString q = new QueryString();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            q.add(keyValues[i], keyValues[i + 1]);
        }
        return q;
    }

    /** Adds a parameter; a null value adds nothing, so optional filters can be passed straight through. */
    public QueryString add(String key, String value) {
        if (value != null) {
            params.add(new String[] {key, value});
        }
        return this;
    }

    public QueryString copy() {
        QueryString q = new QueryString();
        q.params.addAll(params);
        return q;
    }

    /** {@code ?a=1&b=2}, or the empty string. */
    public String encoded() {
        if (params.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("?");
        for (String[] p : params) {
            if (sb.length() > 1) {
                sb.append('&');
            }
            sb.append(encode(p[0])).append('=').append(encode(p[1]));
        }
        return sb.toString();
    }

    /** Percent-encoding, with a space as %20 (a literal '+' is already %2B). */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return encoded();
    }
}
