package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code imgfed replicate --oci}: asks a DC to bring an OCI image ({@code POST /oci/prefetch}), and with
 * {@code --wait} follows the image's availability in that DC with a progress bar until every blob is there.
 */
final class OciReplication {
    private final ApiClient client;
    private final String image;
    private final List<String> platforms;
    /** true: pin, false: unpin, null: leave pins. */
    private final Boolean pin;
    private final String dc;
    private final boolean wait;
    private final double intervalSeconds;
    private final boolean json;
    private final PrintStream out;

    OciReplication(ApiClient client, String image, List<String> platforms, Boolean pin, String dc, boolean wait,
            double intervalSeconds, boolean json, PrintStream out) {
        this.client = client;
        this.image = image;
        this.platforms = platforms;
        this.pin = pin;
        this.dc = dc;
        this.wait = wait;
        this.intervalSeconds = intervalSeconds;
        this.json = json;
        this.out = out;
    }

    /**
     * The image's availability, with each DC's part of the size; a manifest this daemon has not heard of yet
     * (the target DC's record is on its way) is absent everywhere for now.
     */
    private JsonNode availability(String ref) {
        JsonNode a;
        try {
            a = client.get("/federation/availability", QueryString.of("oci", ref)).json();
        } catch (ApiError e) {
            if (e.status() != 404) {
                throw e;
            }
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        long size = a.path("size").asLong();
        a.path("dcs").forEach(d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d).put("size", size));
        return a;
    }

    int run() {
        QueryString q = QueryString.of("image", image, "dc", dc, "pin", pin == null ? null : pin.toString());
        platforms.forEach(p -> q.add("platform", p));
        ApiResponse r = client.post("/oci/prefetch", q);
        JsonNode answer = r.json();
        String target = answer.path("dc").asText(dc == null ? "?" : dc);
        long size = answer.path("size").asLong();
        boolean present = "present".equals(answer.path("state").asText());
        if (!wait || present) {
            if (json) {
                out.println(answer.toString());
            } else if (Boolean.FALSE.equals(pin)) {
                out.println("the blobs of " + image + " are no longer pinned at DC " + target);
            } else if (present) {
                out.println("DC " + target + " holds all " + answer.path("blobs").asInt() + " blobs of " + image
                        + " (" + Table.human(size) + ")");
            } else {
                out.println("DC " + target + " is bringing " + image + ": " + answer.path("blobs_present").asInt() + " of "
                        + answer.path("blobs").asInt() + " blobs here, " + Table.human(size) + " in all");
                out.println("follow it with: imgfed replicate --oci " + image + (dc == null ? "" : " --dc " + dc)
                        + " --wait");
            }
            out.flush();
            return 0;
        }
        // Progress is the availability in the target DC of each image manifest brought (an index's chosen
        // platforms: the index itself also names the platforms left out), as this daemon's board sees it.
        List<String> images = new java.util.ArrayList<>();
        answer.path("manifests").forEach(m -> images.add(m.asText()));
        if (images.size() > 1) {
            images.remove(0);
        }
        String repository = answer.path("repository").asText();
        ProgressBar bar = ProgressBar.forCommand("replicate", size, json);
        bar.note("into " + target);
        try {
            while (true) {
                long have = 0;
                boolean all = true;
                for (String digest : images) {
                    JsonNode state = availability(repository + "@" + digest).path("dcs").path(target);
                    long part = state.path("size").asLong(0);
                    boolean here = "present".equals(state.path("state").asText());
                    all &= here;
                    have += here ? part : (long) (state.path("progress").asDouble(0) * part);
                }
                bar.update(Math.min(have, size));
                if (all) {
                    break;
                }
                Polling.pause(intervalSeconds);
            }
            bar.update(size);
            bar.finish();
        } catch (RuntimeException e) {
            bar.abandon();
            throw e;
        }
        if (json) {
            out.println(answer.toString());
        } else {
            out.println(image + " is present at DC " + target + " (" + answer.path("blobs").asInt() + " blobs, "
                    + Table.human(size) + ")");
        }
        out.flush();
        return 0;
    }
}
