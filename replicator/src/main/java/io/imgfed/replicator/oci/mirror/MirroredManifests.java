package io.imgfed.replicator.oci.mirror;

import io.imgfed.protocol.oci.Descriptor;
import io.imgfed.protocol.oci.ManifestDocument;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.Reference;
import io.imgfed.protocol.oci.Tag;
import io.imgfed.protocol.oci.UpstreamRef;
import io.imgfed.replicator.oci.Registry;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Manifests of mirrored repositories, kept in the registry under {@code <upstream>/<name>} and federated like
 * pushed ones, so a tag one DC fetched is served by every DC. A digest is immutable: once here (or in another
 * DC's record) it is never fetched again. A tag is served from the cache while it is younger than
 * {@code oci.revalidate}; after that the upstream is asked again (one request per tag, whatever the number of
 * clients asking), and if it fails or rests, the cached tag is served anyway (stale) while it exists. With
 * nothing cached the answer is 503 UNAVAILABLE at once (containerd then tries its next host); an upstream that
 * says the tag does not exist gives 404.
 */
public final class MirroredManifests {
    /** How a manifest was answered, for the {@code X-Imgfed-Upstream} header. */
    public enum Freshness { CACHED, FETCHED, STALE }

    public record Answer(Registry.StoredManifest manifest, Freshness freshness) {
    }

    private final Registry registry;
    private final Upstreams upstreams;
    private final MirrorCounter counter;
    /** A tag fetched or revalidated: publish it to the federation. */
    private final BiConsumer<String, String> tagged;
    private final SingleFlight<Answer> inflight = new SingleFlight<>();

    public MirroredManifests(Registry registry, Upstreams upstreams, MirrorCounter counter, BiConsumer<String, String> tagged) {
        this.registry = registry;
        this.upstreams = upstreams;
        this.counter = counter;
        this.tagged = tagged;
    }

    public Future<Answer> get(UpstreamRef ref, Reference reference) {
        String repo = ref.key();
        if (!(reference instanceof Tag tag)) {
            Optional<Registry.StoredManifest> known = registry.manifest(repo, reference.toString());
            if (known.isPresent()) {
                return Future.succeededFuture(new Answer(known.get(), Freshness.CACHED));
            }
            return inflight.run(repo + "@" + reference, () -> fetch(ref, reference.toString(), null, null));
        }
        Optional<Registry.TagRef> tagRef = registry.tagRef(repo, tag.value());
        Optional<Registry.StoredManifest> cached = tagRef.flatMap(t -> registry.manifest(repo, t.digest()));
        if (cached.isPresent()
                && System.currentTimeMillis() - tagRef.get().atMillis() < upstreams.revalidate().toMillis()) {
            return Future.succeededFuture(new Answer(cached.get(), Freshness.CACHED));
        }
        return inflight.run(repo + ":" + tag.value(), () -> fetch(ref, tag.value(), tag.value(), cached.orElse(null)));
    }

    private Future<Answer> fetch(UpstreamRef ref, String reference, String tag, Registry.StoredManifest cached) {
        String id = ref.upstream();
        String[] keys = {id, ref.key() + ":" + reference};
        java.time.Duration rest = upstreams.health().resting(keys);
        if (!rest.isZero()) {
            return unavailable(ref, cached, "upstream " + id + " failed recently and rests for another "
                    + Math.max(1, rest.toSeconds()) + " s", id);
        }
        UpstreamClient client = upstreams.client(id);
        return client.manifest(ref.name(), reference).compose(fetched -> {
            upstreams.health().succeeded(keys);
            counter.fetched(id, "manifest", "ok", fetched.body().length);
            ManifestDocument doc;
            try {
                doc = ManifestDocument.parse(fetched.body(), fetched.mediaType());
            } catch (OciException e) {
                throw new UpstreamException(id + " sent a manifest this registry cannot serve: " + e.getMessage(), false);
            }
            List<String> references = doc.requiredContent().stream().map(Descriptor::digest).map(Object::toString).toList();
            Registry.StoredManifest m = new Registry.StoredManifest(doc.digest().toString(), doc.mediaType(),
                    fetched.body(), references);
            return registry.putManifest(ref.key(), m, tag).map(stored -> {
                if (tag != null) {
                    tagged.accept(ref.key(), tag);
                }
                return new Answer(stored, Freshness.FETCHED);
            });
        }).recover(err -> {
            if (err instanceof UpstreamException u && u.notFound()) {
                upstreams.health().succeeded(keys);
                counter.fetched(id, "manifest", "not_found", 0);
                return Future.failedFuture(new OciException(OciErrorCode.MANIFEST_UNKNOWN, "manifest " + reference
                        + " is not in " + ref.name() + " at " + id));
            }
            if (!(err instanceof UpstreamException)) {
                return Future.failedFuture(err);
            }
            upstreams.health().failed(err.getMessage(), keys);
            counter.fetched(id, "manifest", "error", 0);
            return unavailable(ref, cached, err.getMessage(), id);
        });
    }

    private Future<Answer> unavailable(UpstreamRef ref, Registry.StoredManifest cached, String why, String id) {
        if (cached != null) {
            counter.fetched(id, "manifest", "stale", 0);
            return Future.succeededFuture(new Answer(cached, Freshness.STALE));
        }
        return Future.failedFuture(new OciException(OciErrorCode.UNAVAILABLE, why));
    }
}
