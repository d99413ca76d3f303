package io.imgfed.devkit.chaos;

/** One fault and the invariant that must hold through it. */
abstract class Scenario {
    private final String name;
    private final String title;

    /**
     * @param name the name on the command line and in the report
     * @param title one line: what is done
     */
    Scenario(String name, String title) {
        this.name = name;
        this.title = title;
    }

    final String name() {
        return name;
    }

    final String title() {
        return title;
    }

    /** Why this scenario cannot run with this run's facilities, or null when it can. */
    String cannotRun(ChaosRun run) {
        return null;
    }

    /** Runs the scenario, recording every invariant in {@code r}; exceptions count as an error of the scenario. */
    abstract void run(ChaosRun run, ScenarioResult r) throws Exception;

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
