package io.imgfed.replicator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code imgfed images get UUID}: one image's manifest. */
@Command(name = "get", description = "Show one image's manifest.",
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images get 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e",
            "  imgfed images get 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --json | jq .files[0].sha1"})
public final class ImagesGetCommand extends ApiCommand {
    @Parameters(paramLabel = "UUID", description = "The image.")
    String uuid;

    @Override
    protected int execute(ApiClient client) {
        ApiResponse r = client.get("/images/" + UrlPaths.segment(uuid));
        if (json()) {
            printRaw(r);
        } else {
            ImageFormat.details(out(), r.json());
            out().flush();
        }
        return 0;
    }
}
