package io.imgfed.protocol.oci;

import java.util.List;

/**
 * A repository name ({@code <name>} in {@code /v2/<name>/...}), valid by construction: the Distribution Spec's
 * grammar {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*}, at most
 * {@value #MAX_LENGTH} characters.
 *
 * <p>The grammar is checked by a hand-written single pass, not a regex: a name arrives before any
 * authentication, {@code -+} inside a repeated group is the shape of backtracking blow-ups, and Java's engine
 * recurses once per repetition, so the spec's pattern overflows the stack on a long name (an error, not a 400).
 * The check is linear in the length and does not allocate; the length cap comes first, so a long name is
 * refused without being read.
 */
public record RepositoryName(String value) {

    /** Longest name accepted; clients cap {@code host[:port]/name} at 255 anyway. */
    public static final int MAX_LENGTH = 255;

    /** @throws OciException NAME_INVALID naming what is wrong */
    public RepositoryName {
        if (value == null || value.isEmpty()) {
            throw new OciException(OciErrorCode.NAME_INVALID, "repository name is empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new OciException(OciErrorCode.NAME_INVALID, "repository name " + Quoted.of(value) + " is "
                    + value.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        String problem = grammarError(value);
        if (problem != null) {
            throw new OciException(OciErrorCode.NAME_INVALID, "repository name " + Quoted.of(value) + " " + problem);
        }
    }

    /** @throws OciException NAME_INVALID naming what is wrong */
    public static RepositoryName parse(String name) {
        return new RepositoryName(name);
    }

    /**
     * What is wrong with {@code s} under the spec's grammar (ignoring the length cap), or null if nothing.
     * Package-private so a test can run it over input far longer than a name may be.
     */
    static String grammarError(CharSequence s) {
        int n = s.length();
        if (n == 0) {
            return "is empty";
        }
        int component = 1;
        int componentStart = 0;
        int separatorStart = -1;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (isAlnum(c)) {
                if (separatorStart >= 0) {
                    String bad = separatorError(s, separatorStart, i);
                    if (bad != null) {
                        return bad;
                    }
                    separatorStart = -1;
                }
            } else if (c == '.' || c == '_' || c == '-') {
                if (i == componentStart) {
                    return "has " + Quoted.of(c) + " at position " + (i + 1) + ", at the start of path component "
                            + component + "; a component starts with a lowercase letter or a digit";
                }
                if (separatorStart < 0) {
                    separatorStart = i;
                }
            } else if (c == '/') {
                if (i == componentStart) {
                    return i == 0 ? "starts with '/'" : "has an empty path component at position " + (i + 1);
                }
                if (separatorStart >= 0) {
                    return "has path component " + component + " ending in " + Quoted.of(s.charAt(i - 1))
                            + "; a component ends with a lowercase letter or a digit";
                }
                component++;
                componentStart = i + 1;
            } else {
                return "has " + Quoted.of(c) + " at position " + (i + 1) + "; only lowercase letters, digits, '.', '_', "
                        + "'-' and '/' are allowed" + (c >= 'A' && c <= 'Z' ? " (names are lowercase)" : "");
            }
        }
        if (componentStart == n) {
            return "ends with '/'";
        }
        if (separatorStart >= 0) {
            return "ends with " + Quoted.of(s.charAt(n - 1)) + "; a component ends with a lowercase letter or a digit";
        }
        return null;
    }

    /** A run of separator characters between two alphanumerics must be {@code .}, {@code _}, {@code __} or dashes. */
    private static String separatorError(CharSequence s, int from, int to) {
        int len = to - from;
        char first = s.charAt(from);
        boolean ok;
        if (len == 1) {
            ok = true;
        } else if (first == '-') {
            ok = true;
            for (int i = from + 1; i < to && ok; i++) {
                ok = s.charAt(i) == '-';
            }
        } else {
            ok = len == 2 && first == '_' && s.charAt(from + 1) == '_';
        }
        if (ok) {
            return null;
        }
        return "has the separator " + Quoted.of(s.subSequence(from, to).toString()) + " at position " + (from + 1)
                + "; between letters and digits only '.', '_', '__' or a run of '-' may appear";
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    /** The path components, in order: {@code library/alpine} → [library, alpine]. */
    public List<String> components() {
        return List.of(value.split("/"));
    }

    public String firstComponent() {
        int slash = value.indexOf('/');
        return slash < 0 ? value : value.substring(0, slash);
    }

    public boolean hasSeveralComponents() {
        return value.indexOf('/') >= 0;
    }

    /**
     * The name without its first component ({@code docker.io/library/alpine} → {@code library/alpine}).
     *
     * @throws IllegalStateException if the name has a single component
     */
    public RepositoryName withoutFirstComponent() {
        int slash = value.indexOf('/');
        if (slash < 0) {
            throw new IllegalStateException(value + " has a single component");
        }
        return new RepositoryName(value.substring(slash + 1));
    }

    /**
     * {@code prefix/name}, e.g. {@code library/} before a Docker Hub official image.
     *
     * @throws OciException NAME_INVALID if the prefix is not a valid name or the result is too long
     */
    public RepositoryName prefixed(String prefix) {
        return new RepositoryName(prefix + "/" + value);
    }

    @Override
    public String toString() {
        return value;
    }
}
