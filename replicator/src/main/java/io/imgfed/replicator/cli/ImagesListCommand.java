package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.imgfed.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code imgfed images list}: ListImages with IMGAPI's filters. {@code --all} follows every page the way
 * sdc-clients does: the marker is inclusive, so each next page starts with the last image of the previous one,
 * which is dropped.
 */
@Command(name = "list",
        description = "List images of the federation (default: active ones; sorted by publication).",
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed images list",
            "  imgfed images list --all --state all --owner 930896af-bf8c-48d4-885c-6573a94b1853",
            "  imgfed images list --name base --version '~1.' --json | jq -r '.[].uuid'"})
public final class ImagesListCommand extends ApiCommand {
    static final int MAX_LIMIT = 1000;

    @Option(names = "--owner", paramLabel = "UUID", description = "Only images of this owner.")
    String owner;

    @Option(names = "--name", paramLabel = "NAME", description = "Only images of this name ('~' prefix: substring).")
    String name;

    @Option(names = "--version", paramLabel = "VERSION", description = "Only this version ('~' prefix: substring).")
    String version;

    @Option(names = "--state", paramLabel = "STATE",
            description = "active (default), unactivated, disabled, creating, failed, or all.")
    String state;

    @Option(names = "--os", paramLabel = "OS", description = "Only images for this OS.")
    String os;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only images of this type ('!' prefix: not).")
    String type;

    @Option(names = "--public", paramLabel = "true|false", description = "Only public (true) or private (false) images.")
    String isPublic;

    @Option(names = "--all", description = "Every page, not just the first (follows the marker).")
    boolean all;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
            description = "Images per page, 2 to 1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--marker", paramLabel = "UUID|DATE", description = "Start at this image or publication date (inclusive).")
    String marker;

    @Override
    protected int execute(ApiClient client) {
        if (limit < 1 || limit > MAX_LIMIT || all && limit < 2) {
            throw usage("--limit must be between " + (all ? 2 : 1) + " and " + MAX_LIMIT);
        }
        QueryString filters = QueryString.of("owner", owner, "name", name, "version", version, "state", state,
                "os", os, "type", type, "public", isPublic);
        List<JsonNode> images = new ArrayList<>();
        String next = marker;
        boolean paging = false;
        while (true) {
            JsonNode page = client.get("/images", filters.copy().add("limit", String.valueOf(limit)).add("marker", next))
                    .json();
            if (!page.isArray()) {
                throw new CliException("the daemon's image list is not a JSON array");
            }
            int from = 0;
            if (paging && page.size() > 0 && next.equals(page.get(0).path("uuid").asText())) {
                from = 1;
            }
            for (int i = from; i < page.size(); i++) {
                images.add(page.get(i));
            }
            boolean full = page.size() >= limit;
            if (!all) {
                if (full) {
                    System.err.println("imgfed: showing the first " + page.size() + " images; --all lists every page");
                }
                break;
            }
            if (!full || page.size() <= from) {
                break;
            }
            String last = page.get(page.size() - 1).path("uuid").asText();
            if (last.equals(next)) {
                break;
            }
            next = last;
            paging = true;
        }
        if (json()) {
            ArrayNode arr = Json.array();
            images.forEach(arr::add);
            out().println(new String(Json.bytes(arr), StandardCharsets.UTF_8));
        } else {
            ImageFormat.table(out(), images);
        }
        out().flush();
        return 0;
    }
}
