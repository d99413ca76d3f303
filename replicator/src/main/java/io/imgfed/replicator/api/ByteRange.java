package io.imgfed.replicator.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single byte range of a file of known size, from a {@code Range: bytes=...} header. Multi-range requests
 * are answered with the whole file (RFC 9110 allows ignoring Range), so only one range is ever produced.
 */
public record ByteRange(long start, long endInclusive) {

    private static final Pattern SINGLE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    /** The result of reading a Range header against a file size. */
    public sealed interface Parsed permits Whole, Partial, Unsatisfiable {
    }

    /** No usable Range header: send the whole file with 200. */
    public record Whole() implements Parsed {
    }

    public record Partial(ByteRange range) implements Parsed {
    }

    /** A syntactically valid range that lies outside the file: 416. */
    public record Unsatisfiable() implements Parsed {
    }

    public long length() {
        return endInclusive - start + 1;
    }

    public String contentRange(long size) {
        return "bytes " + start + "-" + endInclusive + "/" + size;
    }

    public static Parsed parse(String header, long size) {
        if (header == null) {
            return new Whole();
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches()) {
            return new Whole();
        }
        String a = m.group(1);
        String b = m.group(2);
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return new Whole();
                }
                long suffix = Long.parseLong(b);
                if (suffix == 0 || size == 0) {
                    return new Unsatisfiable();
                }
                long start = Math.max(0, size - suffix);
                return new Partial(new ByteRange(start, size - 1));
            }
            long start = Long.parseLong(a);
            if (start >= size) {
                return new Unsatisfiable();
            }
            long end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (end < start) {
                return new Whole();
            }
            return new Partial(new ByteRange(start, end));
        } catch (NumberFormatException e) {
            // More digits than a long holds: no file is that large.
            return new Unsatisfiable();
        }
    }
}
