package io.imgfed.replicator.oci;

import io.imgfed.protocol.federation.OciTagRecord;
import io.imgfed.protocol.federation.SignedRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the tags pushed at this DC to the federation: for a tag, its manifest (and an index's children)
 * with their bytes and every blob they reference with its sha1, size and piece root, so other DCs can serve the
 * tag and pull the blobs lazily; for a deleted tag, its tombstone.
 */
final class TagPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(TagPublisher.class);

    private final Registry registry;
    private final Consumer<OciTagRecord> board;

    TagPublisher(Registry registry, Consumer<OciTagRecord> board) {
        this.registry = registry;
        this.board = board;
    }

    void tagged(String repo, String tag) {
        record(repo, tag).ifPresent(r -> {
            if (r.toPayload().length > SignedRecord.MAX_PAYLOAD) {
                LOG.warn("{}:{} is not federated: its manifests are larger than a record may be ({} bytes)", repo, tag,
                        SignedRecord.MAX_PAYLOAD);
                return;
            }
            board.accept(r);
        });
    }

    void untagged(String repo, String tag) {
        board.accept(OciTagRecord.deleted(repo, tag, System.currentTimeMillis()));
    }

    /** Every tag of one repository, again (a blob it references has arrived, and its record now names it). */
    void republish(String repo) {
        for (Map.Entry<String, String> t : registry.localTags()) {
            if (t.getKey().equals(repo)) {
                tagged(repo, t.getValue());
            }
        }
    }

    /** Every tag pushed here, again (at start: the board holds only what live members published). */
    void publishAll() {
        for (Map.Entry<String, String> t : registry.localTags()) {
            tagged(t.getKey(), t.getValue());
        }
    }

    Optional<OciTagRecord> record(String repo, String tag) {
        Optional<Registry.TagRef> ref = registry.tagRef(repo, tag).filter(t -> registry.localManifest(repo, t.digest()).isPresent());
        if (ref.isEmpty()) {
            return Optional.empty();
        }
        Registry.StoredManifest top = registry.localManifest(repo, ref.get().digest()).orElseThrow();
        List<OciTagRecord.Manifest> manifests = new ArrayList<>();
        Map<String, OciTagRecord.Blob> blobs = new LinkedHashMap<>();
        manifests.add(new OciTagRecord.Manifest(top.digest(), top.mediaType(), top.body()));
        boolean index = io.imgfed.protocol.oci.MediaTypes.isIndex(top.mediaType());
        List<Registry.StoredManifest> images = new ArrayList<>();
        if (index) {
            for (String child : top.references()) {
                registry.localManifest(repo, child).ifPresent(c -> {
                    manifests.add(new OciTagRecord.Manifest(c.digest(), c.mediaType(), c.body()));
                    images.add(c);
                });
            }
        } else {
            images.add(top);
        }
        for (Registry.StoredManifest m : images) {
            for (String d : m.references()) {
                registry.localBlob(d).ifPresent(b -> blobs.put(d, new OciTagRecord.Blob(d, b.sha1(), b.size(), b.pieces())));
            }
        }
        return Optional.of(new OciTagRecord(repo, tag, manifests, List.copyOf(blobs.values()), 0));
    }
}
