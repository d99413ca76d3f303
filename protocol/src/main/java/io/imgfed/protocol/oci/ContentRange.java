package io.imgfed.protocol.oci;

/**
 * The {@code Content-Range} of a chunked upload's {@code PATCH} (or of the closing {@code PUT}'s last chunk):
 * {@code <start>-<end>}, both inclusive. The spec writes it bare; Docker and some other clients prefix
 * {@code bytes=} or {@code bytes } and may add {@code /<total>} or {@code /*}, as in an HTTP response's
 * Content-Range, so those forms are read too.
 *
 * <p>A header that cannot be read is BLOB_UPLOAD_INVALID (400, naming the header); a well-formed range that
 * does not continue the upload is RANGE_INVALID (416), as the spec requires for chunks out of order
 * ({@link #requireStartsAt}).
 */
public record ContentRange(long start, long end) {

    /** Positions above 18 digits cannot be a real upload and would overflow a long. */
    private static final int MAX_DIGITS = 18;

    public ContentRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("range " + start + "-" + end + " is not a range");
        }
    }

    /** @throws OciException BLOB_UPLOAD_INVALID if the header is not a range */
    public static ContentRange parse(String header) {
        if (header == null || header.isBlank()) {
            throw invalid(header, "is empty");
        }
        String s = header.strip();
        if (s.regionMatches(true, 0, "bytes=", 0, 6)) {
            s = s.substring(6).strip();
        } else if (s.regionMatches(true, 0, "bytes ", 0, 6)) {
            s = s.substring(6).strip();
        }
        int dash = s.indexOf('-');
        if (dash < 0) {
            throw invalid(header, "has no '-'; expected <start>-<end>");
        }
        int slash = s.indexOf('/', dash);
        String endText = slash < 0 ? s.substring(dash + 1) : s.substring(dash + 1, slash);
        long start = number(s.substring(0, dash), header, "start");
        long end = number(endText, header, "end");
        if (end < start) {
            throw invalid(header, "ends (" + end + ") before it starts (" + start + ")");
        }
        if (slash >= 0) {
            String total = s.substring(slash + 1);
            if (!total.equals("*") && number(total, header, "total") <= end) {
                throw invalid(header, "has a total length that does not exceed its end");
            }
        }
        return new ContentRange(start, end);
    }

    /** Bytes in the range. */
    public long length() {
        return end - start + 1;
    }

    /**
     * Checks that this chunk continues an upload that holds {@code uploadedBytes} bytes.
     *
     * @throws OciException RANGE_INVALID (416) if it does not start there
     */
    public void requireStartsAt(long uploadedBytes) {
        if (start != uploadedBytes) {
            throw new OciException(OciErrorCode.RANGE_INVALID, "chunk " + start + "-" + end + " does not continue the "
                    + "upload, which holds " + uploadedBytes + " bytes; the next chunk starts at " + uploadedBytes);
        }
    }

    /**
     * Checks that the request's Content-Length is the range's length.
     *
     * @throws OciException SIZE_INVALID if it is not
     */
    public void requireLength(long contentLength) {
        if (contentLength != length()) {
            throw new OciException(OciErrorCode.SIZE_INVALID, "Content-Length " + contentLength
                    + " does not match Content-Range " + start + "-" + end + " (" + length() + " bytes)");
        }
    }

    private static long number(String digits, String header, String what) {
        if (digits.isEmpty() || digits.length() > MAX_DIGITS) {
            throw invalid(header, (digits.isEmpty() ? "has no " + what : "has more than " + MAX_DIGITS
                    + " digits in its " + what) + "; expected <start>-<end>");
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(header, "has " + Quoted.of(c) + " in its " + what + "; expected <start>-<end> in digits");
            }
        }
        return Long.parseLong(digits);
    }

    private static OciException invalid(String header, String problem) {
        return new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, "Content-Range " + Quoted.of(header) + " " + problem);
    }
}
