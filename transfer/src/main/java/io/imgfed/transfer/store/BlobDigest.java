package io.imgfed.transfer.store;

/**
 * What was learned about a file while its bytes went by: its size and digests (hex sha1 and sha256,
 * base64 md5 as Content-MD5 carries it). A digest not asked for is null.
 */
public record BlobDigest(long size, String sha1, String md5, String sha256) {
}
