package io.imgfed.replicator.ops;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The repository's {@code ops/} and {@code conf/} files, and the external tools that check them. */
public final class OpsFiles {
    private OpsFiles() {
    }

    /** The repository root: the first directory up from {@code user.dir} that has {@code ops/prometheus}. */
    public static Path repoRoot() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/prometheus"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ops/prometheus in " + start + " or any parent directory");
    }

    /** An executable on PATH, if there is one. */
    public static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** What a finished command said. */
    public record Result(int exit, String output) {
        @Override
        public String toString() {
            return "exit " + exit + ":\n" + output;
        }
    }

    /** Runs a command in {@code dir}, stdout and stderr together, killed (and failed) after {@code timeoutSeconds}. */
    public static Result run(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("imgfed-ops-", ".out");
        try {
            Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                        + " s; output so far:\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** {@code command} followed by {@code args}. */
    public static String[] cmd(Path command, String... args) {
        List<String> all = new ArrayList<>();
        all.add(command.toString());
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }
}
