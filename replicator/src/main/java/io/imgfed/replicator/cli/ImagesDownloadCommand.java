package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code imgfed images download UUID FILE}: GetImageFile streamed to a temp file next to FILE, checked against
 * the answer's Content-Length, Content-MD5 and ETag (sha1), and only then renamed to FILE. A file that does
 * not verify is deleted, never left behind under FILE's name.
 */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download an image's file and verify it (Content-MD5, sha1, size).",
            "In a DC without the file this is a lazy pull: the daemon streams it while it fetches it."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images download 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e ./base.zfs.gz",
            "  imgfed images download 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e /tmp/f --url http://dc2.example:8080 --progress"})
public final class ImagesDownloadCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "UUID", description = "The image.")
    String uuid;

    @Parameters(index = "1", paramLabel = "FILE", description = "Where to write the file (replaced if it exists).")
    Path file;

    @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal.")
    boolean progress;

    @Override
    protected int execute(ApiClient client) {
        Path target = file.toAbsolutePath();
        if (Files.isDirectory(target)) {
            throw usage(file + " is a directory; give the file's path");
        }
        if (!Files.isDirectory(target.getParent())) {
            throw new CliException("cannot write " + file + ": directory " + target.getParent() + " does not exist");
        }
        HttpResponse<InputStream> r = client.openFile("/images/" + UrlPaths.segment(uuid) + "/file");
        String md5Header = r.headers().firstValue("Content-MD5").orElse(null);
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        String etag = r.headers().firstValue("ETag").map(e -> e.replace("\"", "").trim()).orElse(null);
        Path tmp = null;
        ProgressBar bar = ProgressBar.onStderr("download", length, progress);
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
            String gotMd5 = Base64.getEncoder().encodeToString(md5.digest());
            String gotSha1 = HexFormat.of().formatHex(sha1.digest());
            if (length >= 0 && n != length) {
                throw new CliException("download of image " + uuid + " is incomplete: " + n + " of " + length + " bytes");
            }
            if (md5Header == null) {
                throw new CliException("the daemon sent no Content-MD5 for image " + uuid + "; the file cannot be verified");
            }
            if (!md5Header.trim().equals(gotMd5)) {
                throw new CliException("download of image " + uuid + " is corrupt: Content-MD5 is " + md5Header.trim()
                        + " but the bytes received hash to " + gotMd5);
            }
            if (etag != null && etag.matches("[0-9a-f]{40}") && !etag.equals(gotSha1)) {
                throw new CliException("download of image " + uuid + " is corrupt: ETag (sha1) is " + etag
                        + " but the bytes received hash to " + gotSha1);
            }
            move(tmp, target);
            tmp = null;
            bar.finish();
            String cache = r.headers().firstValue("X-Imgfed-Cache").orElse(null);
            String source = r.headers().firstValue("X-Imgfed-Source").orElse(null);
            if (json()) {
                ObjectNode o = Json.object();
                o.put("uuid", uuid);
                o.put("file", target.toString());
                o.put("size", n);
                o.put("md5", gotMd5);
                o.put("sha1", gotSha1);
                o.put("cache", cache);
                o.put("source", source);
                out().println(new String(Json.bytes(o), StandardCharsets.UTF_8));
            } else {
                out().println("downloaded image " + uuid + " to " + file + ": " + Table.human(n) + " (" + n
                        + " bytes), Content-MD5 verified" + (source == null ? "" : ", from DC " + source)
                        + (cache == null ? "" : ", cache " + cache));
            }
            out().flush();
            return 0;
        } catch (IOException e) {
            throw new CliException("download of image " + uuid + " failed: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            bar.abandon();
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover .part file is harmless
                }
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
