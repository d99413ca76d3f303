package io.imgfed.replicator.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.Descriptor;
import io.imgfed.protocol.oci.ImageReference;
import io.imgfed.protocol.oci.ManifestDocument;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.Reference;
import io.imgfed.protocol.oci.UpstreamRef;
import io.imgfed.replicator.oci.mirror.MirroredBlobs;
import io.imgfed.replicator.oci.mirror.MirroredManifests;
import io.imgfed.replicator.oci.mirror.Upstreams;
import io.imgfed.transfer.pull.FileRequest;
import io.imgfed.transfer.pull.TransferEngine;
import io.imgfed.transfer.pull.TransferReason;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings an OCI image into this DC ahead of its first pull: the whole manifest tree (an index's children,
 * all platforms or the ones asked), then every blob, each the way a client's pull would get it (from this DC's
 * store, pulled from another DC through the transfer engine, or fetched from the upstream of a mirrored
 * repository). Answers once the manifests are here and every blob's pull has started; progress is then the
 * image's availability ({@code /federation/availability?oci=}).
 */
final class OciPrefetch {
    private static final Logger LOG = LoggerFactory.getLogger(OciPrefetch.class);

    private final Registry registry;
    private final BlobStore store;
    private final TransferEngine engine;
    private final Upstreams upstreams;
    private final MirroredManifests mirroredManifests;
    private final MirroredBlobs mirroredBlobs;
    private final RepositoryOwners owners;

    OciPrefetch(Registry registry, BlobStore store, TransferEngine engine, Upstreams upstreams,
            MirroredManifests mirroredManifests, MirroredBlobs mirroredBlobs, RepositoryOwners owners) {
        this.owners = owners;
        this.registry = registry;
        this.store = store;
        this.engine = engine;
        this.upstreams = upstreams;
        this.mirroredManifests = mirroredManifests;
        this.mirroredBlobs = mirroredBlobs;
    }

    /**
     * @param platforms {@code os/arch[/variant]} of an index's children to bring; empty for all
     * @param pin true: also pin every blob (eviction leaves them); false: only unpin them, bringing nothing;
     *     null: leave pins as they are
     */
    Future<ObjectNode> start(ImageReference image, Set<String> platforms, String requestId, Boolean pin) {
        UpstreamRef ref = upstreams == null ? UpstreamRef.local(image.name()) : upstreams.resolve(image.name(), null);
        if (!ref.isLocal() && ref.viaDefault() && registry.repositoryExists(image.name().value())) {
            ref = UpstreamRef.local(image.name());
        }
        UpstreamRef where = ref;
        Map<String, Descriptor> blobs = new LinkedHashMap<>();
        List<String> manifests = new ArrayList<>();
        return manifest(where, image.reference()).compose(top -> {
            manifests.add(top.digest());
            ManifestDocument doc = ManifestDocument.parse(top.body(), top.mediaType());
            if (!doc.isIndex()) {
                doc.requiredContent().forEach(d -> blobs.put(d.digest().toString(), d));
                return Future.succeededFuture(top);
            }
            List<Future<Registry.StoredManifest>> children = new ArrayList<>();
            for (Descriptor child : doc.manifests()) {
                if (platforms.isEmpty() || (child.platform() != null && platforms.contains(child.platform().toString()))) {
                    children.add(manifest(where, child.digest()).onSuccess(c -> {
                        manifests.add(c.digest());
                        ManifestDocument.parse(c.body(), c.mediaType()).requiredContent()
                                .forEach(d -> blobs.put(d.digest().toString(), d));
                    }));
                }
            }
            if (children.isEmpty()) {
                throw new OciException(OciErrorCode.MANIFEST_UNKNOWN, image + " has no manifest for " + platforms);
            }
            return Future.all(children).map(top);
        }).compose(top -> pin == null ? Future.succeededFuture(top)
                : registry.pin(blobs.keySet(), pin).map(top)).map(top -> {
            long total = 0;
            int here = 0;
            for (Descriptor d : blobs.values()) {
                total += d.size();
                if (Boolean.FALSE.equals(pin)) {
                    Registry.BlobRef b = registry.blob(d.digest().toString()).orElse(null);
                    here += b != null && store.contains(b.sha1()) ? 1 : 0;
                } else {
                    here += bring(where, d, requestId) ? 1 : 0;
                }
            }
            ObjectNode o = Json.object();
            o.put("image", image.toString());
            o.put("repository", where.key());
            o.put("digest", top.digest());
            o.put("dc", registry.dc());
            o.put("state", here == blobs.size() ? "present" : "pulling");
            o.put("blobs", blobs.size());
            o.put("blobs_present", here);
            o.put("size", total);
            if (pin != null) {
                o.put("pinned", pin);
            }
            ArrayNode ms = o.putArray("manifests");
            manifests.forEach(ms::add);
            return o;
        });
    }

    private Future<Registry.StoredManifest> manifest(UpstreamRef ref, Reference reference) {
        if (!ref.isLocal()) {
            return mirroredManifests.get(ref, reference).map(MirroredManifests.Answer::manifest);
        }
        String repo = ref.key();
        String digest = reference instanceof io.imgfed.protocol.oci.Tag t ? registry.tagged(repo, t.value()).orElse(null)
                : reference.toString();
        Registry.StoredManifest m = digest == null ? null : registry.manifest(repo, digest).orElse(null);
        return m != null ? Future.succeededFuture(m) : Future.failedFuture(new OciException(OciErrorCode.MANIFEST_UNKNOWN,
                repo + (reference.isDigest() ? "@" : ":") + reference + " is not known in this federation"));
    }

    /** Starts bringing one blob here; true when it is here already. */
    private boolean bring(UpstreamRef ref, Descriptor d, String requestId) {
        String digest = d.digest().toString();
        Registry.BlobRef known = registry.blob(digest).orElse(null);
        if (known != null && store.contains(known.sha1())) {
            return true;
        }
        if (known == null || (!ref.isLocal() && registry.isMirrored(digest))) {
            if (ref.isLocal()) {
                LOG.warn("prefetch {}: blob {} is known in no DC", ref.key(), digest);
                return false;
            }
            mirroredBlobs.ensure(ref, d.digest()).onSuccess(b -> pull(b, ref.key(), requestId))
                    .onFailure(err -> LOG.warn("prefetch {}: fetching {} failed: {}", ref.key(), digest, err.getMessage()));
            return false;
        }
        pull(known, ref.key(), requestId);
        return false;
    }

    /** A blob another DC holds: pulled here through the transfer engine (no-op when it is here). */
    private void pull(Registry.BlobRef b, String repository, String requestId) {
        if (store.contains(b.sha1()) || engine == null) {
            return;
        }
        engine.obtain(new FileRequest(b.sha1(), b.size(), null, b.digest().startsWith("sha256:") ? b.digest().substring(7)
                : null, b.pieces(), null, owners.of(repository), TransferReason.PREFETCH, requestId, FileRequest.OCI));
    }
}
