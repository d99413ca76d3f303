package io.imgfed.federation.board;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.FederationSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * One real Hazelcast member for the federation module's tests, started once per test JVM: its board is the
 * replicated map every {@link TestDc} of a test shares. Tests clear it when they are done.
 */
public final class BoardFixture {
    private static FederationNode node;

    private BoardFixture() {
    }

    public static synchronized ReplicatedMap<String, byte[]> map() {
        if (node == null) {
            node = FederationNode.start(settings("fixture", freePort(), List.of(), Path.of("unused")));
            FederationNode n = node;
            Runtime.getRuntime().addShutdownHook(new Thread(n::close));
        }
        return node.board();
    }

    public static FederationSettings settings(String dc, int port, List<String> members, Path stateDir) {
        return new FederationSettings(dc, "fixture-" + UUID.randomUUID(), "127.0.0.1", port, null, members, Map.of(), List.of(),
                Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(3), stateDir, null, null);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls a condition until a deadline (never a fixed sleep); fails with what never became true. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
        }
    }
}
