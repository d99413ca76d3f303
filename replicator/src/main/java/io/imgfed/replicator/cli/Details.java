package io.imgfed.replicator.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** One record as aligned {@code key  value} lines (the human form of {@code images get}). */
public final class Details {
    private final List<String[]> lines = new ArrayList<>();

    /** Adds a line; a null or empty value is left out. */
    public Details add(String key, String value) {
        if (value != null && !value.isEmpty()) {
            lines.add(new String[] {key, value});
        }
        return this;
    }

    public void print(PrintStream out) {
        int w = 0;
        for (String[] l : lines) {
            w = Math.max(w, l[0].length());
        }
        for (String[] l : lines) {
            out.println(l[0] + ":" + " ".repeat(w - l[0].length() + 1) + l[1]);
        }
    }
}
