package io.imgfed.protocol.oci;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * One page of {@code GET /v2/<name>/tags/list?n=&last=}, as the spec pages: the tags lexically after
 * {@code last} (byte order, as Go's {@code sort.Strings}; tags are ASCII so String order is the same), at most
 * {@code n} of them, and a {@code Link: <...>; rel="next"} header when more remain.
 *
 * <p>A page never holds more than a server cap ({@value #MAX_PAGE} unless the caller sets another): without
 * {@code n} or with a larger one the page is cut there and carries a Link, which the spec allows ("fewer than n
 * only with a Link header") and which keeps one request from serialising a repository's every tag.
 *
 * @param pageSize the {@code n} the next page's link asks for
 * @param next the last tag of this page when more remain (the next page's {@code last}), else null
 */
public record TagPage(List<String> tags, int pageSize, String next) {

    public static final int MAX_PAGE = 1000;

    public TagPage {
        tags = List.copyOf(tags);
    }

    /**
     * The {@code n} query parameter: null when absent or empty, else a non-negative integer.
     *
     * @throws OciException PAGINATION_NUMBER_INVALID for anything else
     */
    public static Integer parseLimit(String n) {
        if (n == null || n.isEmpty()) {
            return null;
        }
        boolean digits = n.length() <= 9;
        for (int i = 0; i < n.length() && digits; i++) {
            digits = n.charAt(i) >= '0' && n.charAt(i) <= '9';
        }
        if (!digits) {
            throw new OciException(OciErrorCode.PAGINATION_NUMBER_INVALID,
                    "n=" + Quoted.of(n) + " is not a non-negative integer of at most 9 digits");
        }
        return Integer.parseInt(n);
    }

    /** The page with the server cap {@value #MAX_PAGE}. */
    public static TagPage of(Collection<String> tags, Integer n, String last) {
        return of(tags, n, last, MAX_PAGE);
    }

    /**
     * The page of {@code tags} (any order, duplicates ignored) after {@code last}, of at most {@code n} and at
     * most {@code maxPage} tags. {@code n} null means "as many as the cap"; {@code n = 0} is an empty page with
     * no Link, as the spec says; {@code last} null or empty starts at the first tag.
     *
     * @throws OciException PAGINATION_NUMBER_INVALID for a negative n
     */
    public static TagPage of(Collection<String> tags, Integer n, String last, int maxPage) {
        if (maxPage < 1) {
            throw new IllegalArgumentException("maxPage " + maxPage + " < 1");
        }
        if (n != null && n < 0) {
            throw new OciException(OciErrorCode.PAGINATION_NUMBER_INVALID, "n=" + n + " is negative");
        }
        int pageSize = n == null ? maxPage : Math.min(n, maxPage);
        if (pageSize == 0) {
            return new TagPage(List.of(), 0, null);
        }
        NavigableSet<String> sorted = tags instanceof NavigableSet<String> s && s.comparator() == null
                ? s : new TreeSet<>(tags);
        Collection<String> after = last == null || last.isEmpty() ? sorted : sorted.tailSet(last, false);
        List<String> page = new ArrayList<>(Math.min(pageSize, after.size()));
        Iterator<String> it = after.iterator();
        while (page.size() < pageSize && it.hasNext()) {
            page.add(it.next());
        }
        return new TagPage(page, pageSize, it.hasNext() ? page.get(page.size() - 1) : null);
    }

    public boolean hasMore() {
        return next != null;
    }

    /** {@code </v2/<name>/tags/list?n=N&last=T>; rel="next"}, or null when this is the last page. */
    public String linkHeader(RepositoryName repository) {
        if (next == null) {
            return null;
        }
        return "</v2/" + repository + "/tags/list?n=" + pageSize + "&last="
                + URLEncoder.encode(next, StandardCharsets.UTF_8) + ">; rel=\"next\"";
    }
}
