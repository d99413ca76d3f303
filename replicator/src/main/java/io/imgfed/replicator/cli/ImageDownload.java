package io.imgfed.replicator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * GetImageFile into a local file: streamed to a temp file beside it, checked against the answer's
 * Content-Length, Content-MD5 and ETag (sha1), and only then renamed into place. A file that does not verify
 * is deleted, never left behind under the target's name.
 */
final class ImageDownload {
    /** A verified download, and where the daemon said it came from ({@code X-Imgfed-Cache}, {@code -Source}). */
    record Result(long size, String md5, String sha1, String cache, String source) {
    }

    private ImageDownload() {
    }

    /** {@code json}: the command prints JSON, so no progress is shown. */
    static Result run(ApiClient client, String uuid, Path target, boolean json) {
        HttpResponse<InputStream> r = client.openFile("/images/" + UrlPaths.segment(uuid) + "/file");
        HttpHeaders h = r.headers();
        long length = h.firstValueAsLong("Content-Length").orElse(-1);
        ProgressBar bar = ProgressBar.forCommand("download", length, json);
        Path tmp = null;
        try (InputStream in = r.body()) {
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            long n = 0;
            bar.update(0);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[256 * 1024];
                int k;
                while ((k = in.read(buf)) >= 0) {
                    out.write(buf, 0, k);
                    md5.update(buf, 0, k);
                    sha1.update(buf, 0, k);
                    n += k;
                    bar.update(n);
                }
            }
            Result got = new Result(n, Base64.getEncoder().encodeToString(md5.digest()), HexFormat.of().formatHex(sha1.digest()),
                    h.firstValue("X-Imgfed-Cache").orElse(null), h.firstValue("X-Imgfed-Source").orElse(null));
            verify(uuid, got, length, h);
            move(tmp, target);
            tmp = null;
            bar.finish();
            return got;
        } catch (IOException e) {
            throw new CliException("download of image " + uuid + " failed: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            bar.abandon();
            deleteQuietly(tmp);
        }
    }

    private static void verify(String uuid, Result got, long length, HttpHeaders h) {
        if (length >= 0 && got.size() != length) {
            throw new CliException("download of image " + uuid + " is incomplete: " + got.size() + " of " + length + " bytes");
        }
        String md5 = h.firstValue("Content-MD5").map(String::trim).orElse(null);
        if (md5 == null) {
            throw new CliException("the daemon sent no Content-MD5 for image " + uuid + "; the file cannot be verified");
        }
        if (!md5.equals(got.md5())) {
            throw new CliException("download of image " + uuid + " is corrupt: Content-MD5 is " + md5
                    + " but the bytes received hash to " + got.md5());
        }
        String etag = h.firstValue("ETag").map(e -> e.replace("\"", "").trim()).orElse("");
        if (etag.matches("[0-9a-f]{40}") && !etag.equals(got.sha1())) {
            throw new CliException("download of image " + uuid + " is corrupt: ETag (sha1) is " + etag
                    + " but the bytes received hash to " + got.sha1());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a leftover .part file is harmless, and the error that got us here matters more
        }
    }
}
