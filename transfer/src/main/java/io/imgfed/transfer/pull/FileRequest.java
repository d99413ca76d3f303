package io.imgfed.transfer.pull;

/**
 * A file this DC needs from another DC, with everything known about it before the first byte: size and
 * digests to verify against, and the image and owner to bill.
 *
 * @param md5 base64 MD5 (Content-MD5), or null when the manifest does not carry it
 * @param requestId the id of the request that started the pull; it travels to the source DC and into the logs
 */
public record FileRequest(String sha1, long size, String md5, String imageUuid, String owner, TransferReason reason,
        String requestId) {
}
