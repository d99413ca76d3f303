package io.imgfed.replicator.cli;

/** Short human durations for the CLI: {@code 0.4s}, {@code 5s}, {@code 2m05s}, {@code 1h02m}, {@code 3d04h}. */
public final class Durations {
    private Durations() {
    }

    public static String format(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
            return "?";
        }
        if (seconds > 0 && seconds < 0.1) {
            return "<0.1s";
        }
        if (seconds < 10 && seconds != Math.floor(seconds)) {
            return String.format("%.1fs", seconds);
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format("%dd%02dh", s / 86_400, s % 86_400 / 3600);
    }
}
