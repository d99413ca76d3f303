package io.imgfed.transfer.store;

import io.imgfed.protocol.pieces.PieceList;

/**
 * What was learned about a file while its bytes went by: its size and digests (hex sha1 and sha256,
 * base64 md5 as Content-MD5 carries it) and its piece list. A digest not asked for is null.
 */
public record BlobDigest(long size, String sha1, String md5, String sha256, PieceList pieces) {

    public BlobDigest(long size, String sha1, String md5, String sha256) {
        this(size, sha1, md5, sha256, null);
    }
}
