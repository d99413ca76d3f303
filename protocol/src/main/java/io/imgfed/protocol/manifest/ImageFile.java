package io.imgfed.protocol.manifest;

import io.imgfed.protocol.pieces.FilePieces;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one file of an image. {@code sha1}, {@code size} and {@code compression} are IMGAPI's public fields;
 * {@code md5} (base64, what Content-MD5 carries) and {@code sha256} (hex) are kept internally so that every
 * DC can answer and verify a lazy pull before it has the bytes. {@code pieces} (internal too) is the signed root of
 * the file's piece digests, null until the home DC computed it.
 */
public record ImageFile(String sha1, long size, Compression compression, String datasetGuid, String md5, String sha256,
        FilePieces pieces) {

    public static final Pattern SHA1 = Pattern.compile("^[0-9a-f]{40}$");
    public static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    public static final Pattern MD5_BASE64 = Pattern.compile("^[A-Za-z0-9+/]{22}==$");
    /** IMGAPI's upper bound for one image file. */
    public static final long MAX_SIZE = 20L * 1024 * 1024 * 1024;

    public ImageFile {
        Objects.requireNonNull(compression, "compression");
        if (sha1 == null || !SHA1.matcher(sha1).matches()) {
            throw new IllegalArgumentException("sha1 must be 40 lowercase hex digits");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive");
        }
        if (md5 != null && !MD5_BASE64.matcher(md5).matches()) {
            throw new IllegalArgumentException("md5 must be base64 of 16 bytes");
        }
        if (sha256 != null && !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
        }
    }

    /** A file whose piece root is not known yet. */
    public ImageFile(String sha1, long size, Compression compression, String datasetGuid, String md5, String sha256) {
        this(sha1, size, compression, datasetGuid, md5, sha256, null);
    }

    public ImageFile withPieces(FilePieces p) {
        return new ImageFile(sha1, size, compression, datasetGuid, md5, sha256, p);
    }
}
