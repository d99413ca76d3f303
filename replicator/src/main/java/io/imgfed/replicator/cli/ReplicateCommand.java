package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code imgfed replicate UUID [--dc NAME] [--wait]}: prefetch an image's file ({@code POST /images/UUID?action=replicate});
 * {@code imgfed replicate --oci REPO:TAG [--platform os/arch]... [--dc NAME] [--wait]}: an OCI image's whole
 * manifest tree and blobs ({@code POST /oci/prefetch}).
 */
@Command(name = "replicate",
        description = {"Pull an image's file (or, with --oci, an OCI image's manifests and blobs) into this DC (or DC "
                + "NAME) ahead of provisioning. Operators only.",
            "With --wait, follow the pull with a progress bar until the file is there."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed replicate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --wait",
            "  imgfed replicate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --dc eu-central-1 --wait",
            "  imgfed replicate 8d3ae5a6-58b0-4a39-9b0e-6f7b4b1c9a2e --dc eu-central-1 --json",
            "  imgfed replicate --oci docker.io/library/alpine:3.20 --platform linux/amd64 --dc eu-central-1 --wait"})
public final class ReplicateCommand extends ApiCommand {
    @Parameters(paramLabel = "UUID", arity = "0..1", description = "The IMGAPI image.")
    String uuid;

    @Option(names = "--oci", paramLabel = "REPO:TAG", description = "An OCI image instead: <repository>:<tag> or "
            + "<repository>@<digest>; a mirrored one with its upstream's id first (docker.io/library/alpine:3.20).")
    String oci;

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "With --oci: only this platform of an index "
            + "(repeatable; default: all).")
    java.util.List<String> platforms = new java.util.ArrayList<>();

    @Option(names = "--pin", description = "With --oci: also pin the image's blobs in the DC, so eviction leaves them.")
    boolean pin;

    @Option(names = "--unpin", description = "With --oci: only unpin the image's blobs in the DC (brings nothing).")
    boolean unpin;

    @Option(names = "--dc", paramLabel = "NAME", description = "Pull into this DC instead of the daemon's own.")
    String dc;

    @Option(names = "--wait", description = "Wait until the file is there, showing progress on stderr.")
    boolean wait;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "0.5",
            description = "With --wait: how often to check the pull (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Override
    protected int execute(ApiClient client) {
        if (intervalSeconds <= 0) {
            throw usage("--interval must be more than 0 seconds");
        }
        if ((uuid == null) == (oci == null)) {
            throw usage("give an image UUID, or --oci <repository>:<tag>");
        }
        if (pin && unpin) {
            throw usage("--pin or --unpin, not both");
        }
        if (oci != null) {
            Boolean pinning = pin ? Boolean.TRUE : unpin ? Boolean.FALSE : null;
            return new OciReplication(client, oci, platforms, pinning, dc, wait && !unpin, intervalSeconds, json(), out())
                    .run();
        }
        if (!platforms.isEmpty() || pin || unpin) {
            throw usage("--platform, --pin and --unpin go with --oci");
        }
        ApiResponse r = client.post("/images/" + UrlPaths.segment(uuid), QueryString.of("action", "replicate", "dc", dc));
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
                out().println("follow it with: imgfed replicate " + uuid + (dc == null ? "" : " --dc " + dc) + " --wait");
            }
            out().flush();
            return 0;
        }
        if ("failed".equals(transfer.path("state").asText())) {
            throw new CliException("the pull of image " + uuid + " into DC " + target + " failed: "
                    + transfer.path("error").asText("unknown error"));
        }
        long size = transfer.path("size").asLong(-1);
        ProgressBar bar = ProgressBar.forCommand("replicate", size, json());
        bar.note(transfer.path("source").isTextual() ? TransferFormat.route(transfer) : "into " + target);
        bar.update(transfer.path("bytes").asLong(0));
        PullFollower follower = new PullFollower(client, uuid, target, bar, intervalSeconds);
        try {
            if (dc == null || dc.equals(selfName(client))) {
                follower.intoDaemonsDc(transfer.path("id").asText(null));
            } else {
                follower.intoOtherDc();
            }
            bar.finish();
        } catch (RuntimeException e) {
            bar.abandon();
            throw e;
        }
        if (json()) {
            out().println(follower.availability().toString());
        } else {
            out().println("image " + uuid + " is present at DC " + target + " (" + Table.human(Math.max(size, 0)) + ")");
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
}
