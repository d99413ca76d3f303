package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgfed images upload UUID FILE}: AddImageFile, streamed, with the file's sha1 and a progress bar. */
@Command(name = "upload",
        description = "Upload the file of an unactivated image (the daemon checks its sha1).",
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images upload 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e base.zfs.gz",
            "  imgfed images upload 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e base.zfs --compression none"})
public final class ImagesUploadCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "UUID", description = "The image.")
    String uuid;

    @Parameters(index = "1", paramLabel = "FILE", description = "The image file.")
    Path file;

    @Option(names = "--compression", paramLabel = "C",
            description = "none, gzip, bzip2 or xz (default: from the file's first bytes).")
    String compression;

    @Override
    protected int execute(ApiClient client) {
        ApiResponse r = ImageUpload.run(client, uuid, file, compression, json());
        if (json()) {
            printRaw(r);
        } else {
            JsonNode m = r.json();
            JsonNode f = m.path("files").path(0);
            out().println("uploaded " + file + " (" + Table.human(f.path("size").asLong()) + ", "
                    + f.path("compression").asText() + ", sha1 " + f.path("sha1").asText() + ") to image "
                    + ImageFormat.summary(m));
            out().flush();
        }
        return 0;
    }
}
