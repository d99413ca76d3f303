package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Follows a pull that a daemon accepted until the file is there, feeding a progress bar. A pull into the
 * daemon's own DC is followed through its {@code /transfers}; a pull into another DC on the federation's
 * availability board, which that DC updates as it goes, so no request has to reach the other DC.
 */
final class PullFollower {
    /** How long a pull may go unreported before the wait gives up on it. */
    static final long SILENT_GRACE_MILLIS = 60_000;

    private final ApiClient client;
    private final String uuid;
    private final String target;
    private final ProgressBar bar;
    private final double intervalSeconds;

    PullFollower(ApiClient client, String uuid, String target, ProgressBar bar, double intervalSeconds) {
        this.client = client;
        this.uuid = uuid;
        this.target = target;
        this.bar = bar;
        this.intervalSeconds = intervalSeconds;
    }

    /** Returns once the transfer into the daemon's own DC has completed; a failed one is a {@link CliException}. */
    void intoDaemonsDc(String transferId) {
        long lastSeen = System.currentTimeMillis();
        while (true) {
            JsonNode t = find(client.get("/transfers").json(), transferId);
            if (t == null) {
                // Gone from the list (ended long ago) or never listed: the board says whether the file is here.
                if ("present".equals(availability().path("here").path("state").asText())) {
                    return;
                }
                if (System.currentTimeMillis() - lastSeen > SILENT_GRACE_MILLIS) {
                    throw new CliException("the pull of image " + uuid + " into DC " + target + " is no longer listed "
                            + "in its transfers, and the file is not there");
                }
            } else {
                lastSeen = System.currentTimeMillis();
                bar.total(t.path("size").asLong());
                bar.update(t.path("bytes").asLong());
                String route = TransferFormat.route(t);
                switch (t.path("state").asText()) {
                    case "completed" -> {
                        return;
                    }
                    case "failed" -> throw new CliException("the pull of image " + uuid + " into DC " + target
                            + " failed after " + t.path("attempts").asInt() + " attempt(s): " + t.path("error").asText("unknown error"));
                    case "backoff" -> bar.note(route + ", backing off after attempt " + t.path("attempts").asInt() + ": "
                            + t.path("error").asText("?"));
                    case "queued" -> bar.note(route + ", queued");
                    default -> bar.note(route);
                }
            }
            Polling.pause(intervalSeconds);
        }
    }

    /** Returns once the board shows the file present in the target DC. */
    void intoOtherDc() {
        boolean seenPulling = false;
        long start = System.currentTimeMillis();
        while (true) {
            JsonNode img = availability();
            if (img.path("size").isNumber()) {
                bar.total(img.path("size").asLong());
            }
            JsonNode d = img.path("dcs").path(target);
            String state = d.path("state").asText("absent");
            String status = d.path("status").asText("alive");
            if (state.equals("present")) {
                return;
            }
            if (state.equals("pulling")) {
                seenPulling = true;
                bar.update(Math.round(d.path("progress").asDouble() * Math.max(img.path("size").asLong(), 0)));
                bar.note(status.equals("alive") ? "into " + target : "into " + target + ", which is " + status);
            } else if (seenPulling) {
                throw new CliException("DC " + target + " stopped pulling image " + uuid + " (the pull failed); "
                        + "imgfed transfers --url <" + target + "'s URL> shows why");
            } else if (System.currentTimeMillis() - start > SILENT_GRACE_MILLIS) {
                throw new CliException("DC " + target + " accepted the pull of image " + uuid + " but has not reported "
                        + "it for " + SILENT_GRACE_MILLIS / 1000 + " s (DC status: " + status + ")");
            }
            Polling.pause(intervalSeconds);
        }
    }

    /** The image's entry on the availability board. */
    JsonNode availability() {
        JsonNode answer = client.get("/federation/availability", QueryString.of("uuid", uuid)).json();
        if (answer.size() == 0) {
            throw new CliException("ResourceNotFound: image " + uuid + " is no longer in the federation's catalog");
        }
        return answer.get(0);
    }

    /** The transfer by its id, or (without one) the newest of this image into the target DC. */
    private JsonNode find(JsonNode transfers, String id) {
        for (JsonNode t : transfers) {
            if (id != null ? id.equals(t.path("id").asText())
                    : uuid.equals(t.path("image").asText()) && target.equals(t.path("dest").asText())) {
                return t; // the list is newest first
            }
        }
        return null;
    }
}
