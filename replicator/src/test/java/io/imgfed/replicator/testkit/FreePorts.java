package io.imgfed.replicator.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback ports that are free now, for daemons whose ports must be known before they start (members
 * lists, separate processes). Taken below the kernel's ephemeral range (32768 and up on Linux), so no
 * outgoing connection or port-0 listener can grab one between now and its use; never the same port twice
 * in one JVM.
 */
public final class FreePorts {
    private static final int LOW = 15_000;
    private static final int HIGH = 32_000;
    private static final AtomicInteger NEXT = new AtomicInteger(LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW));

    private FreePorts() {
    }

    public static int next() {
        for (int tries = 0; tries < HIGH - LOW; tries++) {
            int port = LOW + Math.floorMod(NEXT.getAndIncrement() - LOW, HIGH - LOW);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOW + " and " + HIGH);
    }
}
