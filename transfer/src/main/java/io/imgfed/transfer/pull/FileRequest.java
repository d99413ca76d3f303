package io.imgfed.transfer.pull;

import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.pieces.FilePieces;
import io.imgfed.protocol.pieces.PieceList;

/**
 * A file this DC needs from another DC, with everything known about it before the first byte: size and the
 * digests the home DC signed (the piece root, else the sha256, else the sha1) to verify against, and the image
 * and owner to bill.
 *
 * @param md5 base64 MD5 (Content-MD5), or null when the manifest does not carry it
 * @param sha256 hex sha256 of the whole file, or null
 * @param pieces the signed root of the file's piece list, or null when the home DC has not computed it yet
 * @param requestId the id of the request that started the pull; it travels to the source DC and into the logs
 * @param front which protocol front asked: {@link #IMGAPI} or {@link #OCI}
 */
public record FileRequest(String sha1, long size, String md5, String sha256, FilePieces pieces, String imageUuid,
        String owner, TransferReason reason, String requestId, String front) {

    /** The front that asked for IMGAPI image files; billing events name it. */
    public static final String IMGAPI = "imgapi";
    /** The front that asked for OCI blobs. */
    public static final String OCI = "oci";

    /** A request of the IMGAPI front. */
    public FileRequest(String sha1, long size, String md5, String sha256, FilePieces pieces, String imageUuid,
            String owner, TransferReason reason, String requestId) {
        this(sha1, size, md5, sha256, pieces, imageUuid, owner, reason, requestId, IMGAPI);
    }

    /** The request for an image's file. */
    public static FileRequest of(ImageFile file, String imageUuid, String owner, TransferReason reason, String requestId) {
        return new FileRequest(file.sha1(), file.size(), file.md5(), file.sha256(), file.pieces(), imageUuid, owner, reason,
                requestId);
    }

    /**
     * How a file without a signed piece root is verified: as one piece, against its sha256 (or its sha1), so no byte
     * is served before the whole file checked out.
     */
    public PieceList wholeFileCheck() {
        return sha256 != null ? PieceList.wholeFile(size, PieceList.SHA256, sha256)
                : PieceList.wholeFile(size, PieceList.SHA1, sha1);
    }
}
