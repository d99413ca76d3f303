package io.imgfed.replicator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code imgfed images activate UUID}: ActivateImage. */
@Command(name = "activate",
        description = "Activate an image whose file is uploaded (it becomes listable and provisionable).",
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images activate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e"})
public final class ImagesActivateCommand extends ApiCommand {
    @Parameters(paramLabel = "UUID", description = "The image.")
    String uuid;

    @Override
    protected int execute(ApiClient client) {
        ApiResponse r = client.post("/images/" + UrlPaths.segment(uuid), QueryString.of("action", "activate"));
        if (json()) {
            printRaw(r);
        } else {
            out().println("activated image " + ImageFormat.summary(r.json()));
            out().flush();
        }
        return 0;
    }
}
