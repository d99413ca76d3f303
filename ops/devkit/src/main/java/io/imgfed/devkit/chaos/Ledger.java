package io.imgfed.devkit.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything this run created outside its own JVM (daemon processes, network namespaces, links, tmpfs
 * mounts, scratch folders), written to a file as it is created. {@link #cleanUp()} undoes it in reverse
 * order; {@code ops/chaos/run} reads the same file to clean up after a runner that was killed, so nothing
 * that this run did not create is ever touched.
 *
 * <p>Lines: {@code pid N}, {@code netns NAME}, {@code link NAME}, {@code mount PATH}, {@code dir PATH}.
 */
final class Ledger {
    private final Path file;
    private final List<String[]> entries = new ArrayList<>();

    Ledger(Path file) {
        this.file = file;
    }

    synchronized void add(String kind, String value) {
        entries.add(new String[] {kind, value});
        try {
            Files.writeString(file, kind + " " + value + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Undoes every entry, newest first; each step is idempotent and failures do not stop the others. */
    synchronized List<String> cleanUp() {
        List<String> problems = new ArrayList<>();
        List<String[]> todo = new ArrayList<>(entries);
        Collections.reverse(todo);
        // Processes first: a namespace or mount in use by a process does not go away.
        for (String[] e : todo) {
            if (e[0].equals("pid")) {
                ProcessHandle.of(Long.parseLong(e[1])).ifPresent(p -> {
                    p.destroyForcibly();
                    try {
                        p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception ex) {
                        problems.add("process " + e[1] + " did not exit: " + ex);
                    }
                });
            }
        }
        for (String[] e : todo) {
            switch (e[0]) {
                case "mount" -> {
                    if (mounted(e[1])) {
                        Shell.Result r = Shell.run("umount", e[1]);
                        if (!r.ok()) {
                            r = Shell.run("umount", "-l", e[1]);
                        }
                        if (!r.ok()) {
                            problems.add("umount " + e[1] + ": " + r.output());
                        }
                    }
                }
                case "netns" -> {
                    if (Shell.run("ip", "netns", "pids", e[1]).ok()) {
                        Shell.Result r = Shell.run("ip", "netns", "del", e[1]);
                        if (!r.ok()) {
                            problems.add("ip netns del " + e[1] + ": " + r.output());
                        }
                    }
                }
                case "link" -> {
                    if (Shell.run("ip", "link", "show", e[1]).ok()) {
                        Shell.Result r = Shell.run("ip", "link", "del", e[1]);
                        if (!r.ok()) {
                            problems.add("ip link del " + e[1] + ": " + r.output());
                        }
                    }
                }
                case "dir" -> {
                    try {
                        deleteTree(Path.of(e[1]));
                    } catch (IOException | UncheckedIOException ex) {
                        problems.add("rm -r " + e[1] + ": " + ex);
                    }
                }
                default -> {
                    // pids are done
                }
            }
        }
        entries.clear();
        return problems;
    }

    static boolean mounted(String path) {
        try {
            String real = Path.of(path).toAbsolutePath().normalize().toString();
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 1 && f[1].equals(real)) {
                    return true;
                }
            }
        } catch (IOException ignored) {
            // no /proc: nothing we mounted
        }
        return false;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
