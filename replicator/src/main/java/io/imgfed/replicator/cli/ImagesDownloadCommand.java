package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code imgfed images download UUID FILE}: GetImageFile, verified, with progress. */
@Command(name = "download",
        description = {"Download an image's file and verify it (Content-MD5, sha1, size).",
            "In a DC without the file this is a lazy pull: the daemon streams it while it fetches it."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images download 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e ./base.zfs.gz",
            "  imgfed images download 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e /tmp/f --url http://dc2.example:8080"})
public final class ImagesDownloadCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "UUID", description = "The image.")
    String uuid;

    @Parameters(index = "1", paramLabel = "FILE", description = "Where to write the file (replaced if it exists).")
    Path file;

    @Override
    protected int execute(ApiClient client) {
        Path target = file.toAbsolutePath();
        if (Files.isDirectory(target)) {
            throw usage(file + " is a directory; give the file's path");
        }
        if (!Files.isDirectory(target.getParent())) {
            throw new CliException("cannot write " + file + ": directory " + target.getParent() + " does not exist");
        }
        ImageDownload.Result got = ImageDownload.run(client, uuid, target, json());
        if (json()) {
            ObjectNode o = Json.object();
            o.put("uuid", uuid);
            o.put("file", target.toString());
            o.put("size", got.size());
            o.put("md5", got.md5());
            o.put("sha1", got.sha1());
            o.put("cache", got.cache());
            o.put("source", got.source());
            out().println(new String(Json.bytes(o), StandardCharsets.UTF_8));
        } else {
            out().println("downloaded image " + uuid + " to " + file + ": " + Table.human(got.size()) + " (" + got.size()
                    + " bytes), Content-MD5 verified" + (got.source() == null ? "" : ", from DC " + got.source())
                    + (got.cache() == null ? "" : ", cache " + got.cache()));
        }
        out().flush();
        return 0;
    }
}
