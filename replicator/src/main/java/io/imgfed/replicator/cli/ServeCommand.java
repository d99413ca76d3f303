package io.imgfed.replicator.cli;

import io.imgfed.replicator.Daemon;
import io.imgfed.replicator.config.ConfigException;
import io.imgfed.replicator.config.ConfigLoader;
import io.imgfed.replicator.config.ImgfedConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imgfed serve}: runs this DC's daemon until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the daemon. Without --config: DC 'local', data in ./data, API on 127.0.0.1:8080.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration (see README); IMGFED_* env vars override it.")
    Path config;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json")
    String logFormat;

    @Override
    public Integer call() throws Exception {
        ImgfedConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("imgfed: configuration error: " + e.getMessage());
            return 2;
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(cfg).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigException ce) {
                System.err.println("imgfed: configuration error: " + ce.getMessage());
                return 2;
            }
            if (cause instanceof io.imgfed.replicator.DirectoryLock.InUseException inUse) {
                System.err.println("imgfed: " + inUse.getMessage());
                return 2;
            }
            System.err.println("imgfed: cannot start: " + cause);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean clean = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread hook = new Thread(() -> {
            try {
                daemon.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                clean.set(false);
                System.err.println("imgfed: unclean shutdown: " + e);
            } finally {
                stopped.countDown();
            }
        }, "imgfed-shutdown");
        // SIGTERM and SIGINT are a requested stop: shut down gracefully here and exit 0. Left to the JVM, they
        // would run the hook and still exit with 128+signal, which service managers count as a failure.
        CountDownLatch stopRequested = new CountDownLatch(1);
        boolean trapped = trap("TERM", stopRequested);
        if (trapped) {
            trap("INT", stopRequested);
        }
        Runtime.getRuntime().addShutdownHook(hook);
        if (!trapped) {
            stopped.await();
            return clean.get() ? 0 : 1;
        }
        stopRequested.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            stopped.await();
            return clean.get() ? 0 : 1;
        }
        hook.run();
        return clean.get() ? 0 : 1;
    }

    /** Routes a signal to {@code latch} instead of the JVM's default exit; false if it cannot be trapped here. */
    private static boolean trap(String signal, CountDownLatch latch) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> latch.countDown());
            return true;
        } catch (IllegalArgumentException | LinkageError e) {
            return false;
        }
    }
}
