package io.imgfed.devkit.chaos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system command (ip, iptables, mount) with a deadline and returns its exit code and output. */
final class Shell {
    private Shell() {
    }

    record Result(int code, String output) {
        boolean ok() {
            return code == 0;
        }
    }

    static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, "shell-output");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", cmd) + ": timed out after 30 s");
            }
            reader.join(2000);
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static Result run(String... cmd) {
        return run(List.of(cmd));
    }

    /** Runs a command that must succeed. */
    static String must(String... cmd) {
        Result r = run(cmd);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (" + r.code() + "): " + r.output());
        }
        return r.output();
    }
}
