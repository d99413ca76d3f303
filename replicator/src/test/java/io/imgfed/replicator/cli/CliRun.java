package io.imgfed.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Runs {@code imgfed} in this JVM through {@link Main#run} with System.out and System.err captured. */
final class CliRun {
    private static final Pattern LOG_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) ");
    private CliRun() {
    }

    /** What a run printed and returned; stderr without the log lines that daemons in this JVM wrote meanwhile. */
    record Result(int exit, String out, String err) {
        JsonNode json() {
            return Json.tree(out);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static JsonNode jsonOf(String text) {
        return Json.tree(text);
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.run(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), withoutLogLines(err.toString(StandardCharsets.UTF_8)));
    }

    /** Drops lines in logback-test.xml's pattern ({@code 12:34:56.789 INFO  [thread] ...}). */
    private static String withoutLogLines(String err) {
        StringBuilder sb = new StringBuilder();
        for (String line : err.split("(?<=\n)")) {
            if (!LOG_LINE.matcher(line).lookingAt()) {
                sb.append(line);
            }
        }
        return sb.toString();
    }
}
