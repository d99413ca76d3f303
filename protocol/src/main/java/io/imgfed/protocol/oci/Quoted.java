package io.imgfed.protocol.oci;

/**
 * Puts client input into an error message safely: cut to a readable length (a hostile 100 KB name must not
 * come back as a 100 KB message), and with everything outside printable ASCII escaped, so that no control
 * character or lone surrogate reaches a log line or the JSON writer.
 */
final class Quoted {
    static final int MAX_CHARS = 80;

    private Quoted() {
    }

    /** {@code "input"}, cut at {@value #MAX_CHARS} characters; {@code (none)} for null. */
    static String of(String s) {
        return s == null ? "(none)" : '"' + escape(s, MAX_CHARS, true) + '"' + cutNote(s, MAX_CHARS);
    }

    /** Text from elsewhere (a parser's message that may echo input), escaped and cut at {@code max} characters. */
    static String text(String s, int max) {
        return s == null ? "(none)" : escape(s, max, false) + cutNote(s, max);
    }

    /** A single character for a message: {@code 'x'} or its code point. */
    static String of(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static String escape(String s, int max, boolean quoted) {
        int n = Math.min(s.length(), max);
        StringBuilder sb = new StringBuilder(n + 16);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\' && !(quoted && c == '"')) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    private static String cutNote(String s, int max) {
        return s.length() > max ? " (cut, " + s.length() + " characters)" : "";
    }
}
