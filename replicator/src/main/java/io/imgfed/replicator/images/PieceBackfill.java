package io.imgfed.replicator.images;

import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.pieces.PieceList;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the files of images homed here that predate piece lists their signed piece root: computes each file's
 * list from the blob (one read, off the event loop), records its root in the manifest, which republishes it. Until
 * then other DCs verify such a file as a whole, and serve no byte of it before the end. Runs once at start, one
 * file at a time; a file not here (evicted with {@code data.pinHome: false}) keeps verifying as a whole.
 */
public final class PieceBackfill {
    private static final Logger LOG = LoggerFactory.getLogger(PieceBackfill.class);

    private final Catalog catalog;
    private final BlobStore store;
    private final String dc;

    public PieceBackfill(Catalog catalog, BlobStore store, String dc) {
        this.catalog = catalog;
        this.store = store;
        this.dc = dc;
    }

    /** Completes when every homed file here has a piece root (or could not get one, logged). */
    public Future<Integer> run() {
        List<String> todo = new ArrayList<>();
        for (Manifest m : catalog.all()) {
            if (m.homeDc().equals(dc) && m.file() != null && m.file().pieces() == null && store.contains(m.file().sha1())) {
                todo.add(m.uuid());
            }
        }
        if (todo.isEmpty()) {
            return Future.succeededFuture(0);
        }
        LOG.info("computing piece lists for {} file(s) of images homed here that have none yet", todo.size());
        Future<Integer> chain = Future.succeededFuture(0);
        for (String uuid : todo) {
            chain = chain.compose(done -> one(uuid).map(added -> done + (added ? 1 : 0)));
        }
        return chain.onSuccess(n -> LOG.info("piece lists computed for {} file(s)", n));
    }

    private Future<Boolean> one(String uuid) {
        Manifest m = catalog.get(uuid).orElse(null);
        if (m == null || m.file() == null || m.file().pieces() != null) {
            return Future.succeededFuture(false);
        }
        ImageFile file = m.file();
        return store.pieces(file.sha1(), PieceList.pieceSizeFor(file.size()))
                .compose(list -> catalog.mutate(uuid, current -> current == null || current.file() == null
                        || !current.file().sha1().equals(file.sha1()) ? current
                        : current.withFile(current.file().withPieces(list.summary()))))
                .map(true)
                .recover(err -> {
                    LOG.warn("no piece list for the file of image {}: {}", uuid, err.toString());
                    return Future.succeededFuture(false);
                });
    }
}
