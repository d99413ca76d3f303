package io.imgfed.protocol.manifest;

import io.imgfed.protocol.pieces.FilePieces;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An {@link ImageFile} as a manifest keeps it in memory: the digests as raw bytes in one array instead of four
 * hex and base64 strings (about 160 bytes of heap instead of 420), turned back into an {@code ImageFile} when
 * asked. Every DC holds one per image of the whole federation, so the difference is paid a million times.
 */
final class StoredFile {
    private static final HexFormat HEX = HexFormat.of();
    private static final int SHA1 = 20;
    private static final int MD5 = 16;
    private static final int SHA256 = 32;
    private static final byte HAS_MD5 = 1;
    private static final byte HAS_SHA256 = 2;
    private static final byte HAS_PIECES = 4;

    private final long size;
    private final Compression compression;
    private final String datasetGuid;
    /** An md5 whose base64 spelling does not survive decoding and encoding again; kept as given. */
    private final String md5Text;
    private final int pieceSize;
    private final byte present;
    /** sha1, then md5, sha256 and the piece root where present. */
    private final byte[] digests;

    private StoredFile(long size, Compression compression, String datasetGuid, String md5Text, int pieceSize,
            byte present, byte[] digests) {
        this.size = size;
        this.compression = compression;
        this.datasetGuid = datasetGuid;
        this.md5Text = md5Text;
        this.pieceSize = pieceSize;
        this.present = present;
        this.digests = digests;
    }

    static StoredFile of(ImageFile f) {
        if (f == null) {
            return null;
        }
        byte present = 0;
        String md5Text = null;
        byte[] md5 = null;
        if (f.md5() != null) {
            md5 = canonicalBase64(f.md5());
            if (md5 != null) {
                present |= HAS_MD5;
            } else {
                md5Text = f.md5();
            }
        }
        present |= f.sha256() != null ? HAS_SHA256 : 0;
        present |= f.pieces() != null ? HAS_PIECES : 0;
        byte[] d = new byte[SHA1 + (md5 != null ? MD5 : 0) + (f.sha256() != null ? SHA256 : 0)
                + (f.pieces() != null ? SHA256 : 0)];
        int at = put(d, 0, HEX.parseHex(f.sha1()));
        if (md5 != null) {
            at = put(d, at, md5);
        }
        if (f.sha256() != null) {
            at = put(d, at, HEX.parseHex(f.sha256()));
        }
        if (f.pieces() != null) {
            put(d, at, HEX.parseHex(f.pieces().root()));
        }
        return new StoredFile(f.size(), f.compression(), f.datasetGuid(), md5Text,
                f.pieces() == null ? 0 : f.pieces().pieceSize(), present, d);
    }

    /** The bytes of a base64 text that encodes back to the same text, else null. */
    private static byte[] canonicalBase64(String text) {
        try {
            byte[] b = Base64.getDecoder().decode(text);
            return Base64.getEncoder().encodeToString(b).equals(text) ? b : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int put(byte[] into, int at, byte[] value) {
        System.arraycopy(value, 0, into, at, value.length);
        return at + value.length;
    }

    ImageFile toImageFile() {
        int at = SHA1;
        String md5 = md5Text;
        if ((present & HAS_MD5) != 0) {
            md5 = Base64.getEncoder().encodeToString(Arrays.copyOfRange(digests, at, at + MD5));
            at += MD5;
        }
        String sha256 = null;
        if ((present & HAS_SHA256) != 0) {
            sha256 = HEX.formatHex(digests, at, at + SHA256);
            at += SHA256;
        }
        FilePieces pieces = (present & HAS_PIECES) == 0 ? null
                : new FilePieces(pieceSize, HEX.formatHex(digests, at, at + SHA256));
        return new ImageFile(sha1(), size, compression, datasetGuid, md5, sha256, pieces);
    }

    String sha1() {
        return HEX.formatHex(digests, 0, SHA1);
    }

    long size() {
        return size;
    }
}
