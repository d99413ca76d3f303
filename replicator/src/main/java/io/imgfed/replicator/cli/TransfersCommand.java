package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code imgfed transfers [--watch]}: pulls into the daemon's DC in flight and recently ended. {@code --watch}
 * redraws (clearing the screen when stdout is a terminal, else printing one table after another; with
 * {@code --json} one JSON document per line) until Ctrl-C or {@code --count} redraws.
 */
@Command(name = "transfers",
        description = {"Show the transfers into this DC: image, source -> dest, progress, rate, waiters, attempts,",
            "state and error. Operators only."},
        footerHeading = "%nExamples:%n",
        footer = {"  imgfed transfers",
            "  imgfed transfers --watch --url http://dc2.example:8080",
            "  imgfed transfers --watch --interval 5 --count 12 >> transfers.log",
            "  imgfed transfers --json | jq '.[] | select(.state == \"failed\")'"})
public final class TransfersCommand extends ApiCommand {
    private static final String CLEAR_HOME = "\033[H\033[2J";

    @Option(names = "--watch", description = "Redraw every --interval until Ctrl-C (or --count redraws).")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "With --watch: time between redraws (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "With --watch: stop after N redraws (default: never).")
    int count;

    @Override
    protected int execute(ApiClient client) {
        if (!watch) {
            show(client.get("/transfers"), false);
            return 0;
        }
        if (intervalSeconds <= 0 || count < 0) {
            throw usage("--interval must be more than 0 seconds and --count at least 0");
        }
        boolean tty = Terminal.stdout();
        for (int i = 0; count == 0 || i < count; i++) {
            if (i > 0) {
                Polling.pause(intervalSeconds);
            }
            ApiResponse r = client.get("/transfers");
            if (!json()) {
                PrintStream out = out();
                if (tty) {
                    out.print(CLEAR_HOME);
                } else if (i > 0) {
                    out.println();
                }
                out.println("transfers at " + client.url() + " - " + LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"))
                        + (tty ? " (Ctrl-C to stop)" : ""));
            }
            show(r, true);
        }
        return 0;
    }

    private void show(ApiResponse r, boolean watching) {
        JsonNode transfers = r.json();
        if (!transfers.isArray()) {
            throw new CliException("the daemon's transfer list is not a JSON array");
        }
        if (json()) {
            printRaw(r);
            return;
        }
        if (transfers.isEmpty() && !watching) {
            out().println("no transfers in flight or recently ended");
        } else {
            TransferFormat.table(out(), transfers);
        }
        out().flush();
    }
}
