package io.imgfed.devtools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that adds WAN latency between DCs (this kernel has no netem): every chunk is held
 * for the one-way delay before it is forwarded, in a pipeline, so latency is added without capping
 * throughput. Optionally limits bandwidth, and can cut the link (dropping connections and refusing new
 * ones) and heal it again.
 */
public final class DelayProxy implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile long delayNanos;
    private volatile long bytesPerSecond;
    private volatile boolean cut;
    private volatile boolean closed;

    private DelayProxy(ServerSocket server, String targetHost, int targetPort, Duration delay) {
        this.server = server;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.delayNanos = delay.toNanos();
    }

    /** Listens on a free loopback port and forwards to {@code targetHost:targetPort} with the given one-way delay. */
    public static DelayProxy start(String targetHost, int targetPort, Duration oneWayDelay) {
        return start(0, targetHost, targetPort, oneWayDelay);
    }

    public static DelayProxy start(int listenPort, String targetHost, int targetPort, Duration oneWayDelay) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
            DelayProxy p = new DelayProxy(s, targetHost, targetPort, oneWayDelay);
            Thread t = new Thread(p::accept, "delay-proxy-" + s.getLocalPort());
            t.setDaemon(true);
            t.start();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    public void delay(Duration oneWay) {
        this.delayNanos = oneWay.toNanos();
    }

    /** Limits each direction of each connection; 0 removes the limit. */
    public void bandwidth(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Drops every connection and refuses new ones until {@link #heal()}: a cut link. */
    public void cut() {
        cut = true;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    public void heal() {
        cut = false;
    }

    /** Bytes forwarded in both directions since start. */
    public long bytesForwarded() {
        return forwarded.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (cut) {
                    client.setSoLinger(true, 0);
                    client.close();
                    continue;
                }
                Socket target = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(target);
                pipe(client, target);
                pipe(target, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private record Chunk(byte[] data, int length, long dueNanos) {
    }

    private static final Chunk END = new Chunk(new byte[0], -1, 0);

    /** One direction: a reader stamps chunks with their due time, a writer forwards them when due. */
    private void pipe(Socket from, Socket to) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>(256);
        Thread reader = new Thread(() -> {
            try (InputStream in = from.getInputStream()) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    byte[] copy = java.util.Arrays.copyOf(buf, n);
                    queue.put(new Chunk(copy, n, System.nanoTime() + delayNanos));
                }
            } catch (IOException | InterruptedException e) {
                // the connection is over
            } finally {
                queue.offer(END);
            }
        }, "delay-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                long windowStart = System.nanoTime();
                long windowBytes = 0;
                for (;;) {
                    Chunk c = queue.take();
                    if (c == END) {
                        break;
                    }
                    long wait = c.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    long bps = bytesPerSecond;
                    if (bps > 0) {
                        windowBytes += c.length();
                        long earliest = windowStart + windowBytes * 1_000_000_000L / bps;
                        long ahead = earliest - System.nanoTime();
                        if (ahead > 0) {
                            Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                        }
                    }
                    out.write(c.data(), 0, c.length());
                    out.flush();
                    forwarded.addAndGet(c.length());
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                // the connection is over
            } finally {
                if (from.isClosed() || to.isClosed()) {
                    closeQuietly(from);
                    closeQuietly(to);
                }
                sockets.remove(from);
            }
        }, "delay-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (SocketException ignored) {
            // already closed
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        cut();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
