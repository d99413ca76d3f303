package io.imgfed.replicator.cli;

import io.imgfed.replicator.certs.FederationCa;
import io.imgfed.replicator.config.ConfigLoader;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imgfed certs init|issue}: the federation CA and each DC's certificates and signing key. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Federation CA, DC certificates (mTLS between DCs) and record-signing keys.",
        subcommands = {CertsCommand.Init.class, CertsCommand.Issue.class})
public final class CertsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code imgfed certs init --dir D}. */
    @Command(name = "init", mixinStandardHelpOptions = true, description = "Create the federation CA in DIR (ca.pem, ca.key).")
    public static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR")
        Path dir;

        @Option(names = "--force", description = "replace an existing CA")
        boolean force;

        @Override
        public Integer call() throws Exception {
            try {
                FederationCa.init(dir, force);
            } catch (FileAlreadyExistsException e) {
                System.err.println("imgfed: " + e.getFile());
                return 2;
            }
            System.out.println("federation CA created: " + dir.resolve(FederationCa.CA_CERT) + " (key: "
                    + dir.resolve(FederationCa.CA_KEY) + ", owner-only)");
            return 0;
        }
    }

    /** {@code imgfed certs issue --dir D --dc NAME}. */
    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Issue DC NAME's TLS certificate and record-signing key from the CA in DIR.")
    public static final class Issue implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR")
        Path dir;

        @Option(names = "--dc", required = true, paramLabel = "NAME")
        String dc;

        @Option(names = "--san", split = ",", paramLabel = "HOST", description = "extra DNS names or IP addresses of the DC")
        List<String> sans = List.of();

        @Option(names = "--force", description = "replace existing files of this DC")
        boolean force;

        @Override
        public Integer call() throws Exception {
            if (!ConfigLoader.DC_NAME.matcher(dc).matches()) {
                System.err.println("imgfed: --dc must match [a-z0-9-]{1,63}");
                return 2;
            }
            FederationCa.Issued issued;
            try {
                issued = FederationCa.load(dir).issue(dir, dc, sans, force);
            } catch (FileAlreadyExistsException e) {
                System.err.println("imgfed: " + e.getFile());
                return 2;
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                System.err.println("imgfed: " + e.getMessage());
                return 1;
            }
            System.out.println("issued for DC " + dc + ": " + issued.tlsCert() + ", " + issued.tlsKey() + ", "
                    + issued.signing());
            System.out.println("configure DC " + dc + " with:");
            System.out.println("  peer: {tls: {cert: " + issued.tlsCert() + ", key: " + issued.tlsKey() + ", ca: "
                    + dir.resolve(FederationCa.CA_CERT) + "}}");
            System.out.println("  federation: {trust: " + dir.resolve(FederationCa.CA_CERT) + ", signingKey: "
                    + issued.signing() + "}");
            return 0;
        }
    }
}
