package io.imgfed.replicator.cli;

import picocli.CommandLine.Command;

/** {@code imgfed images ...}: IMGAPI image operations against a daemon (without a subcommand: usage, exit 2). */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "List, show, create, upload, activate, delete and download images (IMGAPI).",
        subcommands = {ImagesListCommand.class, ImagesGetCommand.class, ImagesCreateCommand.class,
            ImagesUploadCommand.class, ImagesActivateCommand.class, ImagesDeleteCommand.class,
            ImagesDownloadCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images list --owner 930896af-bf8c-48d4-885c-6573a94b1853",
            "  imgfed images create --name base --version 1.0.0 --owner OWNER --file base.zfs.gz",
            "  imgfed images download UUID ./base.zfs.gz --url http://dc2.example:8080",
            "",
            "Every subcommand takes --url (default: $IMGFED_URL, else the client API of --config or of the default",
            "configuration, http://127.0.0.1:8080), --token, --account and --json."})
public final class ImagesCommand {
}
