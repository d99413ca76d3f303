package io.imgfed.replicator.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imgfed.replicator.testkit.OpenSsh;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 2 acceptance: the IMGAPI client of the npm package sdc-clients (13.x) works against the daemon. Runs
 * {@code ops/compat/sdc-clients/compat.js} with node against an in-process daemon; that script drives the real
 * client (ping, create, addImageFile, activate, getImage, getImageFile with its Content-MD5 check, listImages
 * paging over more than 1000 images, update, disable, enable, acl add/remove, delete, error codes) and prints
 * one JSON line per step. Skips when node or the npm packages are missing ({@code ops/ci/prepare} installs them).
 *
 * <p>Issue 6 acceptance: with {@code auth.mode: signature}, the same client signing with its own signer
 * (sdc-clients' {@code cliSigner}: smartdc-auth and sshpk, an RSA key and an Ed25519 key) creates, uploads,
 * activates, reads, downloads (Content-MD5 checked), lists and deletes; without the signer it gets 401.
 */
class SdcClientsCompatTest {
    /** Every step compat.js runs; each must report ok. */
    static final List<String> STEPS = List.of("ping", "create", "add-file", "activate", "get", "get-file",
            "error-code", "bulk-create", "list-paging", "update", "disable", "enable", "acl-add", "acl-remove",
            "delete");
    /** The steps compat.js runs with --sign-user/--sign-key (its SIGNED_STEPS). */
    static final List<String> SIGNED_STEPS = List.of("ping", "create", "add-file", "activate", "get", "get-file",
            "list", "delete", "unsigned");
    static final long TIMEOUT_SECONDS = 180;

    @TempDir
    Path dir;

    @Test
    void sdcClientsImgapiClientWorksAgainstTheDaemon() throws Exception {
        Path compat = compatDir();
        Assumptions.assumeTrue(nodeVersion() != null, "node is not on PATH; run ops/ci/prepare on a machine with node");
        Assumptions.assumeTrue(Files.isDirectory(compat.resolve("node_modules/sdc-clients")),
                "no node_modules in " + compat + "; run ops/ci/prepare (npm ci there)");

        try (TestDaemon daemon = TestDaemon.start(dir.resolve("data"))) {
            runCompat(compat, "plain", STEPS, daemon.url());
        }
    }

    @Test
    void sdcClientsWithItsSignerCreatesAndUploadsAgainstASignatureDaemon() throws Exception {
        Path compat = compatDir();
        Assumptions.assumeTrue(nodeVersion() != null, "node is not on PATH; run ops/ci/prepare on a machine with node");
        Assumptions.assumeTrue(Files.isDirectory(compat.resolve("node_modules/sdc-clients")),
                "no node_modules in " + compat + "; run ops/ci/prepare (npm ci there)");

        // One user per key type, each named by its account uuid: it acts for that account, so the images
        // it creates are its own. The private keys stay outside auth.keys, which holds only <user>.pub files.
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        String rsaUser = UUID.randomUUID().toString();
        String edUser = UUID.randomUUID().toString();
        Path rsaKey = newKey(secrets, keys, rsaUser, "rsa");
        Path edKey = newKey(secrets, keys, edUser, "ed25519");

        // sdc-clients signs the Date header alone (IMGAPI.prototype._getAuthHeaders builds "date: <Date>" itself and
        // hands only that string to the signer), so it needs auth.dateOnlySignatures.
        try (TestDaemon daemon = TestDaemon.start(dir.resolve("data"), """
                auth:
                  mode: signature
                  keys: "%s"
                  operators: [admin]
                  dateOnlySignatures: true
                """.formatted(keys.toString().replace("\\", "\\\\")))) {
            runCompat(compat, "signed, rsa-sha256", SIGNED_STEPS, daemon.url(),
                    "--sign-user", rsaUser, "--sign-key", rsaKey.toString());
            runCompat(compat, "signed, ed25519", SIGNED_STEPS, daemon.url(),
                    "--sign-user", edUser, "--sign-key", edKey.toString());
        }
    }

    /**
     * By default a signature must cover (request-target): the same client, signing the same way, is refused with
     * 401 Unauthorized naming the Authorization header.
     */
    @Test
    void sdcClientsDateOnlySignatureIsRefusedByDefault() throws Exception {
        Path compat = compatDir();
        Assumptions.assumeTrue(nodeVersion() != null, "node is not on PATH; run ops/ci/prepare on a machine with node");
        Assumptions.assumeTrue(Files.isDirectory(compat.resolve("node_modules/sdc-clients")),
                "no node_modules in " + compat + "; run ops/ci/prepare (npm ci there)");
        Path keys = Files.createDirectories(dir.resolve("keys"));
        String user = UUID.randomUUID().toString();
        Path key = newKey(Files.createDirectories(dir.resolve("secrets")), keys, user, "ed25519");

        try (TestDaemon daemon = TestDaemon.start(dir.resolve("data"), """
                auth:
                  mode: signature
                  keys: "%s"
                """.formatted(keys.toString().replace("\\", "\\\\")))) {
            CompatRun run = run(compat, "signed by default", daemon.url(), "--sign-user", user, "--sign-key", key.toString(),
                    "--steps", "create");
            JsonNode create = run.steps().get("create");
            assertTrue(create != null && !create.path("ok").asBoolean(true), "createImage must be refused: " + run.output());
            String detail = create.path("detail").asText();
            assertTrue(detail.contains("401 Unauthorized") && detail.contains("(request-target)"),
                    "401 Unauthorized saying that (request-target) must be signed: " + detail);
            assertEquals(0, daemon.daemon().catalog().all().size(), "nothing was created");
        }
    }

    /** Runs compat.js with these arguments and asserts that every one of {@code steps} reported ok. */
    private void runCompat(Path compat, String label, List<String> steps, String... args) throws Exception {
        CompatRun run = run(compat, label, args);
        String output = run.output();
        for (String step : steps) {
            JsonNode r = run.steps().get(step);
            assertTrue(r != null, label + ": step " + step + " not reported\n" + output);
            assertTrue(r.path("ok").asBoolean(false), label + ": step " + step + " failed: " + r.path("detail").asText()
                    + "\n" + output);
        }
        assertEquals(0, run.exit(), "compat.js (" + label + ") exit code\n" + output);
    }

    /** What one run of compat.js reported: each step's JSON line by step name, its whole output, its exit code. */
    private record CompatRun(Map<String, JsonNode> steps, String output, int exit) {
    }

    /** Runs compat.js with these arguments. */
    private CompatRun run(Path compat, String label, String... args) throws Exception {
        Path out = dir.resolve("compat-" + label.replaceAll("[^a-z0-9]+", "-") + ".out");
        Path err = dir.resolve("compat-" + label.replaceAll("[^a-z0-9]+", "-") + ".err");
        List<String> command = new ArrayList<>(List.of("node", "compat.js"));
        command.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process node = new ProcessBuilder(command)
                .directory(compat.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean exited = node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("compat.js (" + label + ") did not finish within " + TIMEOUT_SECONDS + " s\n" + output(out, err));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        String output = output(out, err);
        System.out.println("sdc-clients compat, " + label + " (" + ms + " ms):\n" + output);

        Map<String, JsonNode> reported = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode step;
            try {
                step = json.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("compat.js printed a line that is not JSON: " + line + "\n" + output);
            }
            reported.put(step.path("step").asText(), step);
        }
        return new CompatRun(reported, output, node.exitValue());
    }

    /**
     * A key pair of {@code type} (rsa or ed25519) for {@code user}: the private key in {@code secrets} (the
     * path the client signs with), the public key as {@code keys/<user>.pub}. Made with ssh-keygen, as an
     * operator would (OpenSSH private key format); without ssh-keygen, by the JDK (a PKCS#8 PEM, which sshpk
     * reads too).
     */
    private static Path newKey(Path secrets, Path keys, String user, String type) throws Exception {
        Path key = secrets.resolve(user + "-" + type);
        boolean sshKeygen = sshKeygen();
        System.out.println("user " + user + ": " + type + " key made by " + (sshKeygen ? "ssh-keygen" : "the JDK"));
        if (sshKeygen) {
            List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", user, "-f",
                    key.toString()));
            if (type.equals("rsa")) {
                cmd.addAll(List.of("-b", "2048"));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "ssh-keygen failed: " + said);
            Files.copy(key.resolveSibling(key.getFileName() + ".pub"), keys.resolve(user + ".pub"));
        } else {
            KeyPair pair = generate(type);
            Files.writeString(key, OpenSsh.pkcs8Pem(pair.getPrivate()), StandardCharsets.US_ASCII);
            Files.writeString(keys.resolve(user + ".pub"), OpenSsh.publicLine(pair.getPublic(), user) + "\n",
                    StandardCharsets.US_ASCII);
        }
        return key;
    }

    private static KeyPair generate(String type) throws GeneralSecurityException {
        if (type.equals("rsa")) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** Whether ssh-keygen can be run here (false forces the JDK path: -Dimgfed.compat.javaKeys=true). */
    private static boolean sshKeygen() {
        if (Boolean.getBoolean("imgfed.compat.javaKeys")) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("ssh-keygen", "-?").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String output(Path out, Path err) throws IOException {
        String stdout = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        String stderr = Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
        return "--- stdout\n" + stdout + (stderr.isBlank() ? "" : "--- stderr\n" + stderr);
    }

    /** {@code ops/compat/sdc-clients} of this checkout: walks up from the working directory. */
    private static Path compatDir() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/compat"))) {
                return p.resolve("ops/compat/sdc-clients");
            }
        }
        throw new IllegalStateException("no ops/compat above " + System.getProperty("user.dir"));
    }

    /** node's version, or null when it cannot be run. */
    private static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? v : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
