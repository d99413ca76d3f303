package io.imgfed.protocol.oci;

/**
 * A tag, valid by construction: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}. Checked by hand in one pass (no
 * regex), so the cost is bounded by the 128-character cap whatever arrives.
 */
public record Tag(String value) implements Reference {

    public static final int MAX_LENGTH = 128;

    /** @throws OciException TAG_INVALID naming what is wrong */
    public Tag {
        String problem = problem(value);
        if (problem != null) {
            throw new OciException(OciErrorCode.TAG_INVALID, problem);
        }
    }

    /** @throws OciException TAG_INVALID naming what is wrong */
    public static Tag parse(String tag) {
        return new Tag(tag);
    }

    /** Whether {@code s} is a valid tag, without building an error. */
    public static boolean isValid(String s) {
        return problem(s) == null;
    }

    private static String problem(String s) {
        if (s == null || s.isEmpty()) {
            return "tag is empty";
        }
        if (s.length() > MAX_LENGTH) {
            return "tag " + Quoted.of(s) + " is " + s.length() + " characters long; the limit is " + MAX_LENGTH;
        }
        char first = s.charAt(0);
        if (!(isAlnum(first) || first == '_')) {
            return "tag " + Quoted.of(s) + " starts with " + Quoted.of(first)
                    + "; a tag starts with a letter, a digit or '_'";
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isAlnum(c) || c == '_' || c == '.' || c == '-')) {
                return "tag " + Quoted.of(s) + " has " + Quoted.of(c) + " at position " + (i + 1)
                        + "; a tag holds letters, digits, '_', '.' and '-'";
            }
        }
        return null;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    @Override
    public String toString() {
        return value;
    }
}
