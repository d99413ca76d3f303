package io.imgfed.replicator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code imgfed images delete UUID}: DeleteImage. */
@Command(name = "delete",
        description = "Delete an image (from every DC of the federation). With --json nothing is printed.",
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images delete 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e"})
public final class ImagesDeleteCommand extends ApiCommand {
    @Parameters(paramLabel = "UUID", description = "The image.")
    String uuid;

    @Override
    protected int execute(ApiClient client) {
        client.delete("/images/" + UrlPaths.segment(uuid));
        if (!json()) {
            out().println("deleted image " + uuid);
            out().flush();
        }
        return 0;
    }
}
