package io.imgfed.replicator.cli;

/** URL path pieces from user input: an argument can never add a path segment or a query. */
final class UrlPaths {
    private UrlPaths() {
    }

    /** One path segment, percent-encoded. */
    static String segment(String s) {
        return QueryString.encode(s);
    }
}
