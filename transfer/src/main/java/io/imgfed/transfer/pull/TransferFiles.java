package io.imgfed.transfer.pull;

import io.imgfed.protocol.pieces.PieceList;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.PartialFile;
import io.vertx.core.Future;

/**
 * Opens a transfer's partial file on its first attempt, against the piece list it will be checked with: the one the
 * chosen source sends, believed only if it hashes to the root the home DC signed; or, for a file without a signed
 * root, the file as one piece checked against its signed whole-file digest. Results on the transfer's context.
 */
final class TransferFiles {
    private final BlobStore store;
    private final PeerFetcher fetcher;

    TransferFiles(BlobStore store, PeerFetcher fetcher) {
        this.store = store;
        this.fetcher = fetcher;
    }

    /** The transfer's file: its current one, or a new one opened (keeping what an earlier process left). */
    Future<PartialFile> open(Transfer t, SourceCandidate source, String requestId) {
        if (t.file() != null) {
            return Future.succeededFuture(t.file());
        }
        return pieces(t.request(), source, requestId).compose(l -> store.openPartial(t.context(), t.sha1(), l));
    }

    private Future<PieceList> pieces(FileRequest r, SourceCandidate source, String requestId) {
        if (r.pieces() == null) {
            return Future.succeededFuture(r.wholeFileCheck());
        }
        return fetcher.pieces(source, r.sha1(), r.pieces().pieceSize(), requestId).compose(wire -> {
            PieceList l;
            try {
                l = PieceList.decode(wire.getBytes(), r.size(), r.pieces().pieceSize());
            } catch (IllegalArgumentException e) {
                return Future.failedFuture(new BadPieceList(source.dc() + " sent an unreadable piece list: "
                        + e.getMessage()));
            }
            return l.matches(r.pieces()) ? Future.succeededFuture(l) : Future.failedFuture(new BadPieceList(
                    source.dc() + " sent a piece list that does not match the root the home DC signed"));
        });
    }

    /** A source's piece list does not match what the home DC signed: that source is not asked for the file again. */
    static final class BadPieceList extends RuntimeException {
        BadPieceList(String message) {
            super(message, null, false, false);
        }
    }
}
