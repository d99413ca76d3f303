package io.imgfed.replicator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * AddImageFile from a local file: hashes it (sha1, so the daemon can check what it received), picks the
 * compression from the file's magic bytes unless given, and streams it with a progress bar.
 */
final class ImageUpload {
    private ImageUpload() {
    }

    /**
     * Uploads {@code file} as the file of image {@code uuid}; returns the daemon's answer (the manifest).
     * {@code json}: the command prints JSON, so no progress is shown.
     */
    static ApiResponse run(ApiClient client, String uuid, Path file, String compression, boolean json) {
        long size = checkedSize(file);
        String comp = compression != null ? compression : sniffCompression(file);
        String sha1 = sha1(file, size, json);
        ProgressBar bar = ProgressBar.forCommand("upload", size, json);
        bar.update(0);
        try {
            ApiResponse r = client.putFile("/images/" + UrlPaths.segment(uuid) + "/file",
                    QueryString.of("compression", comp, "sha1", sha1), file, bar::update);
            bar.finish();
            return r;
        } catch (RuntimeException e) {
            bar.abandon();
            throw e;
        }
    }

    static long checkedSize(Path file) {
        try {
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString());
            }
            if (!Files.isRegularFile(file)) {
                throw new CliException(file + " is not a regular file");
            }
            long size = Files.size(file);
            if (size == 0) {
                throw new CliException(file + " is empty; an image file must have content");
            }
            return size;
        } catch (NoSuchFileException e) {
            throw new CliException("cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** gzip, bzip2 or xz by their magic bytes, else none. */
    static String sniffCompression(Path file) {
        byte[] head = new byte[6];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return "gzip";
        }
        if (n >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
            return "bzip2";
        }
        if (n >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z'
                && head[5] == 0) {
            return "xz";
        }
        return "none";
    }

    private static String sha1(Path file, long size, boolean json) {
        ProgressBar bar = ProgressBar.forCommand("sha1  ", size, json);
        bar.update(0);
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            byte[] buf = new byte[1 << 20];
            long done = 0;
            int k;
            while ((k = in.read(buf)) >= 0) {
                md.update(buf, 0, k);
                done += k;
                bar.update(done);
            }
            bar.finish();
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            bar.abandon();
            throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
