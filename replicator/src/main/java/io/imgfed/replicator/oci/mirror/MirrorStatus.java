package io.imgfed.replicator.oci.mirror;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.images.Timestamps;
import java.time.Instant;

/**
 * The mirror's rows of {@code /transfers} (and so of the status page and {@code imgfed transfers}), shaped like
 * the transfer engine's with {@code "kind": "upstream"}: blobs being fetched from an upstream, and every
 * upstream or reference that failed lately, in state {@code backoff} or, after oci.upstreamFailures failures
 * in a row, {@code error}.
 */
public final class MirrorStatus {
    private final String dc;
    private final Upstreams upstreams;
    private final MirroredBlobs blobs;

    public MirrorStatus(String dc, Upstreams upstreams, MirroredBlobs blobs) {
        this.dc = dc;
        this.upstreams = upstreams;
        this.blobs = blobs;
    }

    public ArrayNode rows() {
        ArrayNode out = Json.array();
        for (MirroredBlobs.Fetching f : blobs.inProgress()) {
            ObjectNode o = row("fetch:" + f.digest, f.repository + "@" + f.digest, f.upstream);
            long size = Math.max(0, f.size());
            o.put("digest", f.digest);
            o.put("bytes", f.bytes());
            o.put("size", size);
            o.put("progress", size == 0 ? 0.0 : Math.min(1.0, (double) f.bytes() / size));
            o.put("state", "running");
            o.put("started_at", Timestamps.format(Instant.ofEpochMilli(f.startedAtMillis)));
            out.add(o);
        }
        upstreams.health().snapshot().values().forEach(s -> {
            int slash = s.key().indexOf('/');
            ObjectNode o = row("upstream:" + s.key(), s.key(), slash < 0 ? s.key() : s.key().substring(0, slash));
            o.put("attempts", s.failures());
            o.put("state", s.error() ? "error" : "backoff");
            o.put("error", s.lastError());
            o.put("next_attempt_at", Timestamps.format(Instant.ofEpochMilli(s.restsUntilMillis())));
            out.add(o);
        });
        return out;
    }

    private ObjectNode row(String id, String image, String upstream) {
        ObjectNode o = Json.object();
        o.put("kind", "upstream");
        o.put("id", id);
        o.put("image", image);
        o.put("source", "upstream " + upstream);
        o.put("dest", dc);
        o.put("bytes", 0);
        o.put("size", 0);
        o.put("progress", 0.0);
        o.put("waiters", 0);
        o.put("attempts", 0);
        o.put("reason", "mirror");
        return o;
    }
}
