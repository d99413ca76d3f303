package io.imgfed.protocol.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a client's {@code Accept} headers allow. Clients send several header lines (Docker one per type,
 * containerd one comma-separated line), so every line is read, each split on commas outside quoted strings,
 * with q-values and wildcards. No Accept header at all accepts anything, as HTTP says.
 *
 * <p>Lenient by design: an element that cannot be read (no {@code /}, a q that is not a number from 0 to 1) is
 * skipped rather than failing the request, because a pull must not break on a sloppy header. A bare {@code *},
 * which some old clients send, counts as {@code * / *}.
 */
public record AcceptHeader(List<Range> ranges) {

    /** One media range with its quality; type and subtype lowercased, {@code *} for a wildcard. */
    public record Range(String type, String subtype, double q) {
        int specificity() {
            return "*".equals(type) ? 0 : "*".equals(subtype) ? 1 : 2;
        }

        boolean covers(String t, String s) {
            return ("*".equals(type) || type.equals(t)) && ("*".equals(subtype) || subtype.equals(s));
        }
    }

    /** Accepts anything: what a request without an Accept header says. */
    public static final AcceptHeader ANY = new AcceptHeader(List.of());

    public AcceptHeader {
        ranges = List.copyOf(ranges);
    }

    /** Every Accept line of a request, in order; null or empty for none. Never throws. */
    public static AcceptHeader parse(List<String> headerLines) {
        if (headerLines == null) {
            return ANY;
        }
        List<Range> ranges = new ArrayList<>();
        for (String line : headerLines) {
            if (line != null) {
                for (String element : split(line, ',')) {
                    Range r = range(element);
                    if (r != null) {
                        ranges.add(r);
                    }
                }
            }
        }
        return new AcceptHeader(ranges);
    }

    /** No readable range: accepts anything. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /**
     * Whether {@code mediaType} (parameters ignored) is acceptable: the most specific range that covers it
     * (exact, then {@code type/*}, then {@code * / *}) has a q above zero. Repeated ranges of equal
     * specificity count with their best q.
     */
    public boolean accepts(String mediaType) {
        return quality(mediaType) > 0;
    }

    /** The quality the client gives {@code mediaType}: 0 for not acceptable, 1 when no header was sent. */
    public double quality(String mediaType) {
        if (ranges.isEmpty()) {
            return 1.0;
        }
        String e = MediaTypes.essence(mediaType);
        int slash = e == null ? -1 : e.indexOf('/');
        if (slash < 0) {
            return 0;
        }
        String type = e.substring(0, slash);
        String subtype = e.substring(slash + 1);
        int bestSpecificity = -1;
        double q = 0;
        for (Range r : ranges) {
            if (r.covers(type, subtype)) {
                int s = r.specificity();
                if (s > bestSpecificity) {
                    bestSpecificity = s;
                    q = r.q();
                } else if (s == bestSpecificity) {
                    q = Math.max(q, r.q());
                }
            }
        }
        return q;
    }

    private static Range range(String element) {
        List<String> parts = split(element, ';');
        String media = parts.get(0).strip().toLowerCase(Locale.ROOT);
        if (media.equals("*")) {
            media = "*/*";
        }
        int slash = media.indexOf('/');
        if (slash <= 0 || slash == media.length() - 1 || media.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        String type = media.substring(0, slash).strip();
        String subtype = media.substring(slash + 1).strip();
        if (type.equals("*") && !subtype.equals("*")) {
            return null;
        }
        double q = 1.0;
        for (int i = 1; i < parts.size(); i++) {
            String p = parts.get(i).strip();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("q")) {
                Double parsed = qvalue(p.substring(eq + 1).strip());
                if (parsed == null) {
                    return null;
                }
                q = parsed;
            }
        }
        return new Range(type, subtype, q);
    }

    /** RFC 9110's qvalue, read a little leniently (".5" is taken); null if not a number from 0 to 1. */
    private static Double qvalue(String s) {
        if (s.isEmpty() || s.length() > 8) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && c != '.') {
                return null;
            }
        }
        try {
            double q = Double.parseDouble(s);
            return q >= 0 && q <= 1 ? q : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Splits on {@code sep} outside double-quoted strings (a parameter value may hold a comma). */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == sep && !quoted) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(Math.min(start, s.length())));
        return out;
    }
}
