package io.imgfed.replicator.cli;

import picocli.CommandLine.Command;

/** {@code imgfed billing}: tools for the billing events. */
@Command(name = "billing", mixinStandardHelpOptions = true, description = "Billing events of cross-DC transfers.",
        subcommands = {BillingReportCommand.class})
public final class BillingCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
