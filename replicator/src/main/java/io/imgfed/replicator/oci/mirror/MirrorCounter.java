package io.imgfed.replicator.oci.mirror;

/** Counts what the mirror asked of its upstreams (metrics). */
@FunctionalInterface
public interface MirrorCounter {
    /**
     * @param kind {@code manifest} or {@code blob}
     * @param outcome {@code ok}, {@code not_found}, {@code error}, or {@code stale} (a cached tag served because
     *     the upstream failed or rests)
     * @param bytes bytes received from the upstream
     */
    void fetched(String upstream, String kind, String outcome, long bytes);

    MirrorCounter NONE = (u, k, o, b) -> { };
}
