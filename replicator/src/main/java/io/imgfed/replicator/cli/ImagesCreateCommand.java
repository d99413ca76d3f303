package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code imgfed images create}: CreateImage; with {@code --file} also AddImageFile and ActivateImage, so one
 * command publishes an image.
 */
@Command(name = "create",
        description = {"Create an image (state unactivated).",
            "With --file, also upload the file (with its sha1) and activate the image."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images create --name base --version 1.0.0 --owner 930896af-bf8c-48d4-885c-6573a94b1853",
            "  imgfed images create --name base --version 1.0.1 --owner 930896af-bf8c-48d4-885c-6573a94b1853 \\",
            "      --file base-1.0.1.zfs.gz --description 'Base image' --public --tag role=base"})
public final class ImagesCreateCommand extends ApiCommand {
    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Image name.")
    String name;

    @Option(names = "--version", required = true, paramLabel = "VERSION", description = "Image version.")
    String version;

    @Option(names = "--owner", paramLabel = "UUID", description = "Owner account (default: --account).")
    String owner;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "zone-dataset",
            description = "Image type (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--os", paramLabel = "OS", defaultValue = "smartos", description = "Image OS (default: ${DEFAULT-VALUE}).")
    String os;

    @Option(names = "--description", paramLabel = "TEXT", description = "A short description.")
    String description;

    @Option(names = "--homepage", paramLabel = "URL", description = "A page about the image.")
    String homepage;

    @Option(names = "--public", description = "Visible to every account.")
    boolean isPublic;

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "A tag (repeatable).")
    Map<String, String> tags;

    @Option(names = "--acl", paramLabel = "UUID", split = ",", description = "Accounts that may use the image.")
    List<String> acl;

    @Option(names = "--file", paramLabel = "FILE", description = "Upload this file and activate the image.")
    Path file;

    @Option(names = "--compression", paramLabel = "C",
            description = "With --file: none, gzip, bzip2 or xz (default: from the file's first bytes).")
    String compression;

    @Override
    protected int execute(ApiClient client) {
        String own = owner != null ? owner : api.account;
        if (own == null) {
            throw usage("--owner is required (or --account, which it defaults to)");
        }
        if (compression != null && file == null) {
            throw usage("--compression goes with --file");
        }
        if (file != null) {
            ImageUpload.checkedSize(file); // a missing file fails before an image is created for it
        }
        ObjectNode m = Json.object();
        m.put("owner", own);
        m.put("name", name);
        m.put("version", version);
        m.put("type", type);
        m.put("os", os);
        if (description != null) {
            m.put("description", description);
        }
        if (homepage != null) {
            m.put("homepage", homepage);
        }
        if (isPublic) {
            m.put("public", true);
        }
        if (tags != null && !tags.isEmpty()) {
            ObjectNode t = m.putObject("tags");
            tags.forEach(t::put);
        }
        if (acl != null && !acl.isEmpty()) {
            acl.forEach(m.putArray("acl")::add);
        }
        ApiResponse created = client.post("/images", new QueryString(), m);
        ApiResponse last = created;
        if (file != null) {
            String uuid = created.json().path("uuid").asText();
            try {
                ImageUpload.run(client, uuid, file, compression, json());
                last = client.post("/images/" + UrlPaths.segment(uuid), QueryString.of("action", "activate"));
            } catch (CliException e) {
                List<String> details = new ArrayList<>(e.details());
                details.add("image " + uuid + " was created but is not active; finish with: imgfed images upload "
                        + uuid + " " + file + " && imgfed images activate " + uuid + " (or delete it)");
                throw new CliException(e.getMessage(), details, e);
            }
        }
        if (json()) {
            printRaw(last);
        } else {
            JsonNode img = last.json();
            out().println(file != null ? "published image " + ImageFormat.summary(img) : "created image "
                    + ImageFormat.summary(img));
            ImageFormat.details(out(), img);
            out().flush();
        }
        return 0;
    }
}
