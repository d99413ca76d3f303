package io.imgfed.devkit.chaos;

import io.imgfed.devtools.DevKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** What the scenarios of one run share: options, folders, the network, Kafka, the ledger, the HTTP client. */
final class ChaosRun {
    static final String TOPIC = "imgfed.transfers";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final boolean shortRun;
    private final Path repo;
    private final Path resultsDir;
    private final Path workDir;
    private final Ledger ledger;
    private final Http http = new Http();
    private final List<String> jvmOptions;
    private final AtomicInteger portOffset = new AtomicInteger();
    private final long startNanos = System.nanoTime();
    private Network network;
    private DevKafkaBroker kafka;

    ChaosRun(boolean shortRun, Path repo, Path resultsDir, Path workDir, Ledger ledger) {
        this.shortRun = shortRun;
        this.repo = repo;
        this.resultsDir = resultsDir;
        this.workDir = workDir;
        this.ledger = ledger;
        try {
            List<String> opts = new ArrayList<>();
            for (String line : Files.readAllLines(repo.resolve("ops/jvm-options"))) {
                if (!line.isBlank()) {
                    opts.addAll(List.of(line.trim().split("\\s+")));
                }
            }
            this.jvmOptions = List.copyOf(opts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean shortRun() {
        return shortRun;
    }

    /** {@code full} in a full run, {@code brief} with --short. */
    int pick(int full, int brief) {
        return shortRun ? brief : full;
    }

    Path repo() {
        return repo;
    }

    Path resultsDir() {
        return resultsDir;
    }

    Path workDir() {
        return workDir;
    }

    Ledger ledger() {
        return ledger;
    }

    Http http() {
        return http;
    }

    /**
     * JVM options of a DC's daemon. With --short, the JIT stops at C1: a short run is mostly DCs starting, three
     * JVMs at once on two cores, and C2 compiling at start-up takes the CPU the daemons need (cluster start-up
     * about 9 s instead of 15 s). A full run keeps the defaults, so the load scenario measures the real thing.
     */
    List<String> dcJvmOptions() {
        if (!shortRun) {
            return jvmOptions;
        }
        List<String> opts = new ArrayList<>(jvmOptions);
        opts.add("-XX:TieredStopAtLevel=1");
        return opts;
    }

    String classpath() {
        return System.getProperty("java.class.path");
    }

    int nextPortOffset() {
        return portOffset.getAndIncrement();
    }

    Network network() {
        return network;
    }

    void network(Network n) {
        this.network = n;
    }

    DevKafkaBroker kafka() {
        return kafka;
    }

    void kafka(DevKafkaBroker k) {
        this.kafka = k;
    }

    String kafkaBootstrap() {
        return kafka.bootstrap();
    }

    /** A progress line on stdout. */
    void log(String line) {
        System.out.printf("[%s +%5.1fs] %s%n", LocalTime.now().format(CLOCK), (System.nanoTime() - startNanos) / 1e9, line);
        System.out.flush();
    }
}
