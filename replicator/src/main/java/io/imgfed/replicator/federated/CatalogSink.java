package io.imgfed.replicator.federated;

import io.imgfed.federation.gossip.ManifestGossip;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.replicator.images.ImageService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts manifests gossiped by other DCs into this DC's catalog, so ListImages and GetImage answer for the
 * whole federation. Images homed here are never overwritten by another DC's record.
 */
public final class CatalogSink implements ManifestGossip.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogSink.class);

    private final Catalog catalog;
    private final String self;
    private final ImageService.FileReleaser releaser;

    public CatalogSink(Catalog catalog, String self, ImageService.FileReleaser releaser) {
        this.catalog = catalog;
        this.self = self;
        this.releaser = releaser;
    }

    @Override
    public void upsert(Manifest m) {
        catalog.mutateOwnState(m.uuid(), current -> {
            if (current != null && current.homeDc().equals(self)) {
                return current;
            }
            return m.equals(current) ? current : m;
        }).onFailure(e -> LOG.error("could not store the manifest of image {} from DC {}", m.uuid(), m.homeDc(), e));
    }

    @Override
    public void remove(String uuid, String homeDc) {
        String[] file = new String[1];
        catalog.mutateOwnState(uuid, current -> {
            if (current == null || !current.homeDc().equals(homeDc)) {
                return current;
            }
            file[0] = current.fileSha1();
            return null;
        }).onSuccess(after -> {
            if (file[0] != null && catalog.imagesWithFile(file[0]).isEmpty()) {
                releaser.released(file[0]);
            }
        }).onFailure(e -> LOG.error("could not remove image {} deleted by DC {}", uuid, homeDc, e));
    }
}
