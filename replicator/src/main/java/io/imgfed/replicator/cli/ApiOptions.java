package io.imgfed.replicator.cli;

import io.imgfed.replicator.config.ConfigException;
import io.imgfed.replicator.config.ConfigLoader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that talks to a daemon shares: where it is, who asks, and the output format. */
public final class ApiOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL",
            description = "The daemon's client API (default: $IMGFED_URL, else the one --config names).")
    String url;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A daemon's YAML config, for its client API's address (default: the embedded one, "
                    + "http://127.0.0.1:8080, with IMGFED_HTTP_* applied).")
    Path config;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token, for auth.mode token (default: $IMGFED_TOKEN).")
    String token;

    @Option(names = "--account", paramLabel = "UUID", description = "Act in this account's view (adds ?account=).")
    String account;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the daemon's answer (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--json", description = "Print the API's JSON instead of a table (for scripts).")
    boolean json;

    // Not picocli's standard help mixin: its -V/--version would take the name of the image filter --version.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** A client for the chosen daemon; a malformed --url is a usage error. */
    public ApiClient client() {
        String u = url != null ? url : env("IMGFED_URL", null);
        if (u == null) {
            u = fromConfig();
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw usage("--url: not a URL: " + u);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw usage("--url: expected http://HOST:PORT or https://HOST:PORT, got " + u);
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw usage("--url: must not have a query or fragment: " + u);
        }
        if (timeoutSeconds <= 0) {
            throw usage("--timeout: must be at least 1 second");
        }
        return new ApiClient(u, token != null ? token : env("IMGFED_TOKEN", null), account,
                Duration.ofSeconds(timeoutSeconds));
    }

    public boolean json() {
        return json;
    }

    private String fromConfig() {
        try {
            return LocalDaemonUrl.of(ConfigLoader.load(config));
        } catch (ConfigException e) {
            throw usage("cannot tell the daemon's URL from " + (config == null ? "the default configuration" : config)
                    + ": " + e.getMessage() + "; give --url");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
