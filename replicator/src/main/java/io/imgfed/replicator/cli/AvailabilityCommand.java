package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code imgfed availability}: where each image's file is, across the federation ({@code GET
 * /federation/availability}), as a matrix of images by DCs, and what a provision here would cost.
 */
@Command(name = "availability",
        description = {"Show which DCs hold each image's file (present, pulling with progress, absent),",
            "and the estimate for getting it here: the source DC, seconds and cost."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed availability 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e",
            "  imgfed availability --owner 930896af-bf8c-48d4-885c-6573a94b1853",
            "  imgfed availability --name base --json",
            "  imgfed availability --oci team/app:1.0"})
public final class AvailabilityCommand extends ApiCommand {
    @Parameters(arity = "0..*", paramLabel = "UUID", description = "Images to show.")
    List<String> uuids = new ArrayList<>();

    @Option(names = "--owner", paramLabel = "UUID", description = "Every image of this owner.")
    String owner;

    @Option(names = "--name", paramLabel = "NAME", description = "Every image of this name.")
    String name;

    @Option(names = "--oci", paramLabel = "REF", description = "An OCI image of the registry front: <repo>:<tag> or "
            + "<repo>@<digest>; a DC is present when it holds every blob.")
    String oci;

    @Override
    protected int execute(ApiClient client) {
        if (oci != null) {
            if (!uuids.isEmpty() || owner != null || name != null) {
                throw usage("give --oci alone");
            }
            return ociImage(client);
        }
        if (uuids.isEmpty() == (owner == null && name == null)) {
            throw usage(uuids.isEmpty() ? "give image UUIDs, --owner or --name" : "give image UUIDs or --owner/--name, not both");
        }
        QueryString q = QueryString.of("owner", owner, "name", name);
        uuids.forEach(u -> q.add("uuid", u));
        ApiResponse r = client.get("/federation/availability", q);
        JsonNode answer = r.json();
        if (!answer.isArray()) {
            throw new CliException("the daemon's availability answer is not a JSON array");
        }
        if (json()) {
            printRaw(r);
        } else {
            print(answer);
        }
        Set<String> missing = new LinkedHashSet<>(uuids);
        answer.forEach(i -> missing.remove(i.path("uuid").asText()));
        if (!missing.isEmpty()) {
            throw new CliException("ResourceNotFound: no such image: " + String.join(", ", missing));
        }
        return 0;
    }

    private int ociImage(ApiClient client) {
        ApiResponse r = client.get("/federation/availability", QueryString.of("oci", oci));
        if (json()) {
            printRaw(r);
            return 0;
        }
        JsonNode a = r.json();
        Set<String> dcs = new TreeSet<>();
        a.path("dcs").fieldNames().forEachRemaining(dcs::add);
        List<String> header = new ArrayList<>(List.of("REFERENCE", "DIGEST", "BLOBS", "SIZE"));
        header.addAll(dcs);
        Table t = new Table(header.toArray(String[]::new));
        List<String> row = new ArrayList<>(List.of(a.path("reference").asText(), a.path("digest").asText(),
                a.path("blobs").asText(), Table.human(a.path("size").asLong())));
        for (String dc : dcs) {
            JsonNode d = a.path("dcs").path(dc);
            String status = d.path("status").asText("alive");
            row.add(status.equals("alive") ? state(d) : state(d) + " (" + status + ")");
        }
        t.row(row.toArray(String[]::new));
        t.print(out());
        out().flush();
        return 0;
    }

    private void print(JsonNode answer) {
        Set<String> dcs = new TreeSet<>();
        for (JsonNode img : answer) {
            img.path("dcs").fieldNames().forEachRemaining(dcs::add);
        }
        List<String> header = new ArrayList<>(List.of("UUID", "NAME", "VERSION", "SIZE", "HOME"));
        header.addAll(dcs);
        header.add("HERE");
        Table t = new Table(header.toArray(String[]::new));
        for (JsonNode img : answer) {
            List<String> row = new ArrayList<>();
            row.add(img.path("uuid").asText());
            row.add(img.path("name").asText(null));
            row.add(img.path("version").asText(null));
            row.add(img.path("size").isNumber() ? Table.human(img.path("size").asLong()) : "-");
            row.add(img.path("home").asText(null));
            for (String dc : dcs) {
                JsonNode d = img.path("dcs").path(dc);
                String cell = state(d);
                String status = d.path("status").asText("alive");
                row.add(d.isMissingNode() ? "-" : status.equals("alive") ? cell : cell + " (" + status + ")");
            }
            row.add(here(img.path("here"), img.path("size").isNumber()));
            t.row(row.toArray(String[]::new));
        }
        t.print(out());
        for (JsonNode img : answer) {
            if (img.has("conflict")) {
                List<String> c = new ArrayList<>();
                img.path("conflict").forEach(x -> c.add(x.asText()));
                out().println("conflict: image " + img.path("uuid").asText() + " has differing manifests in DCs "
                        + String.join(", ", c));
            }
        }
        out().flush();
    }

    /** {@code present}, {@code pulling 42%} or {@code absent}. */
    static String state(JsonNode d) {
        String s = d.path("state").asText("?");
        if (s.equals("pulling") && d.path("progress").isNumber()) {
            return s + " " + Math.round(d.path("progress").asDouble() * 100) + "%";
        }
        return s;
    }

    /** This DC's state and, when the file is not here, where it would come from: {@code absent; from a ~3.2s, cost 1}. */
    static String here(JsonNode here, boolean hasFile) {
        if (here.isMissingNode()) {
            return "-";
        }
        String s = state(here);
        if (s.equals("present")) {
            return s;
        }
        JsonNode e = here.path("estimate");
        if (e.isObject()) {
            StringBuilder sb = new StringBuilder(s).append("; from ").append(e.path("source").asText("?"));
            if (e.path("seconds").isNumber()) {
                sb.append(" ~").append(Durations.format(e.path("seconds").asDouble()));
            }
            if (e.path("cost").isNumber()) {
                sb.append(", cost ").append(e.path("cost").asText());
            }
            if (e.has("source_status")) {
                sb.append(", source ").append(e.path("source_status").asText());
            }
            return sb.toString();
        }
        return hasFile ? s + "; no DC to pull it from" : s + "; the image has no file";
    }
}
