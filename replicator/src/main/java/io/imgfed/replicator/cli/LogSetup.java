package io.imgfed.replicator.cli;

/**
 * Chooses the log format before the first logger exists: {@code --log-format json} (or IMGFED_LOG_FORMAT=json)
 * selects structured JSON lines, anything else the human-readable default.
 */
final class LogSetup {
    private LogSetup() {
    }

    static void configure(String[] args) {
        String format = System.getenv("IMGFED_LOG_FORMAT");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log-format") && i + 1 < args.length) {
                format = args[i + 1];
            } else if (args[i].startsWith("--log-format=")) {
                format = args[i].substring("--log-format=".length());
            }
        }
        if ("json".equals(format) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
    }
}
