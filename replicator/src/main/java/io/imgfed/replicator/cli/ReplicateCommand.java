package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code imgfed replicate UUID [--dc NAME] [--wait]}: prefetch an image's file into the daemon's DC or into DC
 * NAME ({@code POST /images/UUID?action=replicate}). {@code --wait} follows the pull with a progress bar: in the
 * daemon's own DC from its {@code /transfers}; in another DC from the federation's availability board, which
 * that DC updates as it goes (no request reaches the other DC).
 */
@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = {"Pull an image's file into this DC (or DC NAME) ahead of provisioning. Operators only.",
            "With --wait, follow the pull with a progress bar until the file is there."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed replicate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --wait",
            "  imgfed replicate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --dc eu-central-1 --wait",
            "  imgfed replicate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --dc eu-central-1 --json"})
public final class ReplicateCommand extends ApiCommand {
    /** How long another DC may stay silent about a pull it accepted before the wait gives up. */
    static final long SILENT_GRACE_MILLIS = 60_000;

    @Parameters(paramLabel = "UUID", description = "The image.")
    String uuid;

    @Option(names = "--dc", paramLabel = "NAME", description = "Pull into this DC instead of the daemon's own.")
    String dc;

    @Option(names = "--wait", description = "Wait until the file is there, showing progress on stderr.")
    boolean wait;

    @Option(names = "--progress", description = "With --wait: show the progress bar even when stderr is not a terminal.")
    boolean progress;

    /** For tests: how often to look at the pull's progress. */
    @Option(names = "--poll-ms", hidden = true, defaultValue = "250")
    long pollMillis;

    @Override
    protected int execute(ApiClient client) {
        String path = "/images/" + UrlPaths.segment(uuid);
        ApiResponse r = client.post(path, QueryString.of("action", "replicate", "dc", dc));
        JsonNode answer = r.json();
        String target = answer.path("dc").asText(dc == null ? "?" : dc);
        boolean present = "present".equals(answer.path("state").asText());
        JsonNode transfer = answer.path("transfer");
        if (!wait || present) {
            if (json()) {
                printRaw(r);
            } else if (present) {
                out().println("DC " + target + " already holds the file of image " + uuid);
            } else {
                out().println("DC " + target + " is pulling image " + uuid + " (" + TransferFormat.route(transfer) + ", "
                        + Table.human(transfer.path("size").asLong()) + ", " + transfer.path("state").asText() + ")");
                out().println("follow it with: imgfed transfers --watch" + (dc == null ? "" : " --url <" + target + "'s URL>")
                        + ", or imgfed replicate " + uuid + (dc == null ? "" : " --dc " + dc) + " --wait");
            }
            out().flush();
            return 0;
        }
        if ("failed".equals(transfer.path("state").asText())) {
            throw new CliException("the pull of image " + uuid + " into DC " + target + " failed: "
                    + transfer.path("error").asText("unknown error"));
        }
        long size = transfer.path("size").asLong(-1);
        ProgressBar bar = ProgressBar.onStderr("replicate", size, progress);
        bar.note(TransferFormat.route(transfer));
        bar.update(transfer.path("bytes").asLong(0));
        JsonNode last;
        try {
            boolean here = dc == null || dc.equals(selfName(client));
            last = here ? followHere(client, transfer.path("id").asText(null), target, bar)
                    : followThere(client, target, size, bar);
            bar.finish();
        } catch (RuntimeException e) {
            bar.abandon();
            throw e;
        }
        if (json()) {
            out().println(last.toString());
        } else {
            out().println("image " + uuid + " is present at DC " + target + " (" + Table.human(size > 0 ? size : 0) + ")");
        }
        out().flush();
        return 0;
    }

    /** The name of the daemon's own DC, from {@code /federation/dcs}. */
    private static String selfName(ApiClient client) {
        for (JsonNode d : client.get("/federation/dcs").json()) {
            if (d.path("self").asBoolean(false)) {
                return d.path("name").asText();
            }
        }
        return null;
    }

    /** Follows a pull into the daemon's own DC through {@code /transfers}; returns the completed transfer. */
    private JsonNode followHere(ApiClient client, String id, String target, ProgressBar bar) {
        long lastSeen = System.currentTimeMillis();
        while (true) {
            JsonNode t = find(client.get("/transfers").json(), id, target);
            if (t == null) {
                // Gone from the list (ended long ago) or never listed: the board says whether the file is here.
                JsonNode here = client.get("/federation/availability", QueryString.of("uuid", uuid)).json().path(0)
                        .path("here");
                if ("present".equals(here.path("state").asText())) {
                    return here;
                }
                if (System.currentTimeMillis() - lastSeen > SILENT_GRACE_MILLIS) {
                    throw new CliException("the pull of image " + uuid + " into DC " + target + " is no longer listed "
                            + "in its transfers, and the file is not there");
                }
            } else {
                lastSeen = System.currentTimeMillis();
                bar.total(t.path("size").asLong());
                bar.update(t.path("bytes").asLong());
                String state = t.path("state").asText();
                switch (state) {
                    case "completed" -> {
                        return t;
                    }
                    case "failed" -> throw new CliException("the pull of image " + uuid + " into DC " + target
                            + " failed after " + t.path("attempts").asInt() + " attempt(s): " + t.path("error").asText("unknown error"));
                    case "backoff" -> bar.note(TransferFormat.route(t) + ", backing off after attempt "
                            + t.path("attempts").asInt() + ": " + t.path("error").asText("?"));
                    case "queued" -> bar.note(TransferFormat.route(t) + ", queued");
                    default -> bar.note(TransferFormat.route(t));
                }
            }
            pause();
        }
    }

    private JsonNode find(JsonNode transfers, String id, String target) {
        JsonNode byImage = null;
        for (JsonNode t : transfers) {
            if (id != null && id.equals(t.path("id").asText())) {
                return t;
            }
            if (byImage == null && uuid.equals(t.path("image").asText()) && target.equals(t.path("dest").asText())) {
                byImage = t; // the newest: the list is newest first
            }
        }
        return id == null ? byImage : null;
    }

    /** Follows a pull into another DC on the availability board; returns the image's final availability. */
    private JsonNode followThere(ApiClient client, String target, long size, ProgressBar bar) {
        boolean seenPulling = false;
        long start = System.currentTimeMillis();
        while (true) {
            JsonNode answer = client.get("/federation/availability", QueryString.of("uuid", uuid)).json();
            if (answer.size() == 0) {
                throw new CliException("ResourceNotFound: image " + uuid + " is no longer in the federation's catalog");
            }
            JsonNode img = answer.get(0);
            if (size <= 0 && img.path("size").isNumber()) {
                size = img.path("size").asLong();
                bar.total(size);
            }
            JsonNode d = img.path("dcs").path(target);
            String state = d.path("state").asText("absent");
            String status = d.path("status").asText("alive");
            if (state.equals("present")) {
                return img;
            }
            if (state.equals("pulling")) {
                seenPulling = true;
                bar.update(Math.round(d.path("progress").asDouble() * Math.max(size, 0)));
                bar.note(status.equals("alive") ? "into " + target : "into " + target + ", which is " + status);
            } else if (seenPulling) {
                throw new CliException("DC " + target + " stopped pulling image " + uuid + " (the pull failed); "
                        + "imgfed transfers --url <" + target + "'s URL> shows why");
            } else if (System.currentTimeMillis() - start > SILENT_GRACE_MILLIS) {
                throw new CliException("DC " + target + " accepted the pull of image " + uuid + " but has not reported "
                        + "it for " + SILENT_GRACE_MILLIS / 1000 + " s (DC status: " + status + ")");
            }
            pause();
        }
    }

    private void pause() {
        try {
            Thread.sleep(Math.max(10, pollMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", e);
        }
    }
}
