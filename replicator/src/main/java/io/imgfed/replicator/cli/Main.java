package io.imgfed.replicator.cli;

import io.imgfed.replicator.Version;
import java.io.PrintWriter;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code imgfed} executable: the daemon, its tools, and the operator CLI. */
@Command(name = "imgfed",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Multi-datacenter federated image replication daemon (IMGAPI-compatible).",
        subcommands = {ServeCommand.class, CertsCommand.class, BillingCommand.class, ImagesCommand.class,
            AvailabilityCommand.class, TransfersCommand.class, ReplicateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        LogSetup.configure(args);
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (2 for usage and configuration errors). */
    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        for (CliExtension ext : ServiceLoader.load(CliExtension.class)) {
            for (Object command : ext.commands()) {
                cli.addSubcommand(command);
            }
        }
        cli.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? 2 : 1);
        cli.setParameterExceptionHandler(Main::usageError);
        return cli;
    }

    /** A usage error in a few lines, not the whole usage, which would push the message itself off screen. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        String name = c.getCommandSpec().qualifiedName();
        PrintWriter err = c.getErr();
        err.println(name + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return c.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Reports the version stamped into the build. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"imgfed " + Version.get()};
        }
    }
}
