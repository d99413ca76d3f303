package io.imgfed.replicator.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a daemon: shares {@link ApiOptions}, and reports every failure the same way:
 * {@code imgfed: <code>: <message>} (and any field errors that add to it) on stderr, exit code 1. Usage errors
 * go to {@link Main}'s handler: the problem and a pointer to --help on stderr, exit code 2.
 */
abstract class ApiCommand implements Callable<Integer> {

    @Mixin
    ApiOptions api;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return execute(api.client());
        } catch (CliException e) {
            PrintStream err = System.err;
            err.println("imgfed: " + e.getMessage());
            for (String d : e.details()) {
                err.println("  " + d);
            }
            err.flush();
            return 1;
        }
    }

    /** Does the command's work; returns the exit code. */
    protected abstract int execute(ApiClient client);

    protected boolean json() {
        return api.json();
    }

    protected PrintStream out() {
        return System.out;
    }

    /** Prints an API answer's JSON as the daemon sent it (one document, one line). */
    protected void printRaw(ApiResponse response) {
        String text = response.text().strip();
        out().println(text);
        out().flush();
    }

    protected CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
