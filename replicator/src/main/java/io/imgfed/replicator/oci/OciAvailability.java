package io.imgfed.replicator.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.federation.liveness.DcView;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.Descriptor;
import io.imgfed.protocol.oci.ManifestDocument;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.Reference;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.protocol.oci.Tag;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code GET /federation/availability?oci=<repo>:<tag>|<repo>@<digest>}: for an OCI image, every DC's state from
 * local state only: {@code present} when it holds every blob of the image (all platforms of an index),
 * {@code pulling} with the share of the bytes it has, {@code absent}. Requests without {@code oci} go on to the
 * IMGAPI availability answer.
 */
final class OciAvailability {
    private final Registry registry;
    private final Function<String, Map<String, AvailabilityRecord>> holders;
    private final Supplier<List<DcView>> dcs;

    OciAvailability(Registry registry, Function<String, Map<String, AvailabilityRecord>> holders,
            Supplier<List<DcView>> dcs) {
        this.registry = registry;
        this.holders = holders;
        this.dcs = dcs;
    }

    void handle(RoutingContext ctx) {
        String ref = ctx.request().getParam("oci");
        if (ref == null) {
            ctx.next();
            return;
        }
        try {
            ObjectNode answer = describe(ref);
            Buffer body = Buffer.buffer(Json.bytes(answer));
            ctx.response().putHeader("Content-Type", "application/json")
                    .putHeader("Content-Length", String.valueOf(body.length())).end(body);
        } catch (OciException e) {
            OciErrorResponses.send(ctx.response(), e, io.imgfed.replicator.api.ClientApi.requestId(ctx));
        }
    }

    private ObjectNode describe(String ref) {
        io.imgfed.protocol.oci.ImageReference image = io.imgfed.protocol.oci.ImageReference.parse(ref);
        RepositoryName name = image.name();
        Reference reference = image.reference();
        String repo = name.value();
        String digest = reference instanceof Tag t ? registry.tagged(repo, t.value()).orElse(null) : reference.toString();
        Registry.StoredManifest top = digest == null ? null : registry.manifest(repo, digest).orElse(null);
        if (top == null) {
            throw new OciException(OciErrorCode.MANIFEST_UNKNOWN, ref + " is not known in this federation");
        }
        Map<String, Registry.BlobRef> blobs = new LinkedHashMap<>();
        collect(repo, top, blobs);
        long total = blobs.values().stream().mapToLong(Registry.BlobRef::size).sum();
        ObjectNode o = Json.object();
        o.put("reference", ref);
        o.put("digest", top.digest());
        o.put("media_type", top.mediaType());
        o.put("blobs", blobs.size());
        o.put("size", total);
        ObjectNode perDc = o.putObject("dcs");
        for (DcView dc : dcs.get()) {
            long have = 0;
            int present = 0;
            boolean pulling = false;
            for (Registry.BlobRef b : blobs.values()) {
                AvailabilityRecord r = b.sha1() == null ? null : holders.apply(b.sha1()).get(dc.dc());
                if (r != null && r.state() == FileState.PRESENT) {
                    have += b.size();
                    present++;
                } else if (r != null && r.state() == FileState.PULLING) {
                    have += (long) (r.progress() * b.size());
                    pulling = true;
                }
            }
            ObjectNode d = perDc.putObject(dc.dc());
            String state = present == blobs.size() ? "present" : pulling || present > 0 ? "pulling" : "absent";
            d.put("state", state);
            if (state.equals("pulling")) {
                d.put("progress", total == 0 ? 1.0 : Math.round(1000.0 * have / total) / 1000.0);
            }
            d.put("blobs_present", present);
            d.put("status", dc.status().wireName());
        }
        return o;
    }

    /** Every blob the manifest reaches (an index's children's too), by digest. */
    private void collect(String repo, Registry.StoredManifest m, Map<String, Registry.BlobRef> out) {
        ManifestDocument doc = ManifestDocument.parse(m.body(), m.mediaType());
        List<Descriptor> children = doc.isIndex() ? doc.manifests() : List.of();
        for (Descriptor d : doc.requiredContent()) {
            if (doc.isIndex()) {
                continue;
            }
            // a blob no DC has yet (a mirror's, not fetched): known by digest and size only, absent everywhere
            String digest = d.digest().toString();
            out.put(digest, registry.blob(digest).orElse(new Registry.BlobRef(digest, null, d.size(), null)));
        }
        for (Descriptor c : new ArrayList<>(children)) {
            Registry.StoredManifest child = registry.manifest(repo, c.digest().toString()).orElse(null);
            if (child != null) {
                collect(repo, child, out);
            } else {
                // a platform no DC has fetched: its blobs are unknown, so no DC holds the whole image
                out.put(c.digest().toString(), new Registry.BlobRef(c.digest().toString(), null, c.size(), null));
            }
        }
    }
}
