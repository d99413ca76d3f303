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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that adds WAN latency between DCs (this kernel has no netem): every chunk is held
 * for the one-way delay before it is forwarded, in a pipeline, so latency is added without capping
 * throughput. The delay applies to both directions of a connection (a one-way delay d makes a round trip
 * 2d), and can differ by the client's address ({@link #delayFrom}), so one proxy in front of a DC gives
 * each other DC its own distance where each DC has an address of its own. Optionally limits bandwidth,
 * and can cut the link (dropping connections and refusing new ones) and heal it again.
 */
public final class DelayProxy implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private static final int CONNECT_TIMEOUT_MS = 5000;

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** Each accepted connection and the connection to the target it is paired with. */
    private final Map<Socket, Socket> pairs = new ConcurrentHashMap<>();
    /** Client addresses cut off by {@link #cutFrom(String)}. */
    private final Set<InetAddress> cutFrom = ConcurrentHashMap.newKeySet();
    /** One-way delays for clients from particular addresses; others get {@link #delayNanos}. */
    private final Map<InetAddress, Long> delayFrom = new ConcurrentHashMap<>();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile long delayNanos;
    private volatile long bytesPerSecond;
    /** When positive, each connection is dropped once this many bytes went from the target to the client. */
    private volatile long dropAfterBytes;
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
        return start("127.0.0.1", listenPort, targetHost, targetPort, oneWayDelay);
    }

    /** Listens on {@code bindHost:listenPort} (0: a free port), for links that start outside loopback (network namespaces). */
    public static DelayProxy start(String bindHost, int listenPort, String targetHost, int targetPort, Duration oneWayDelay) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), listenPort));
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
        return server.getInetAddress().getHostAddress() + ":" + port();
    }

    /** The one-way delay of every client without one of its own ({@link #delayFrom}). */
    public void delay(Duration oneWay) {
        this.delayNanos = oneWay.toNanos();
    }

    /**
     * The one-way delay for connections from {@code host}, both ways: what it sends is held this long before it
     * reaches the target, and so is every answer before it reaches {@code host}. Takes effect for the next
     * chunk of connections already open.
     */
    public void delayFrom(String host, Duration oneWay) {
        delayFrom.put(address(host), oneWay.toNanos());
    }

    private long delayNanos(InetAddress client) {
        Long own = delayFrom.get(client);
        return own != null ? own : delayNanos;
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

    /**
     * Cuts the link for clients connecting from {@code host} only (one side of a partition): drops their
     * connections and refuses their new ones until {@link #healFrom(String)}.
     */
    public void cutFrom(String host) {
        InetAddress a = address(host);
        cutFrom.add(a);
        pairs.forEach((client, target) -> {
            if (a.equals(client.getInetAddress())) {
                closeQuietly(client);
                closeQuietly(target);
            }
        });
    }

    public void healFrom(String host) {
        cutFrom.remove(address(host));
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Drops every connection (reset) once it has carried {@code bytes} from the target to the client: a link that
     * keeps breaking, though each connection makes progress. Zero turns it off.
     */
    public void dropEachConnectionAfter(long bytes) {
        this.dropAfterBytes = bytes;
    }

    /** Bytes forwarded in both directions since start. */
    public long bytesForwarded() {
        return forwarded.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (cut || cutFrom.contains(client.getInetAddress())) {
                    closeQuietly(client);
                    continue;
                }
                // Connect to the target off the accept loop: a target that does not answer must not hold up others.
                Thread connect = new Thread(() -> connect(client), "delay-proxy-connect");
                connect.setDaemon(true);
                connect.start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void connect(Socket client) {
        Socket target = new Socket();
        try {
            target.connect(new InetSocketAddress(targetHost, targetPort), CONNECT_TIMEOUT_MS);
            client.setTcpNoDelay(true);
            target.setTcpNoDelay(true);
        } catch (IOException e) {
            // The target is down: the client sees its connection reset, as it would connecting directly.
            closeQuietly(target);
            closeQuietly(client);
            return;
        }
        sockets.add(client);
        sockets.add(target);
        pairs.put(client, target);
        if (cut || cutFrom.contains(client.getInetAddress())) {
            closeQuietly(client);
            closeQuietly(target);
        }
        InetAddress from = client.getInetAddress();
        pipe(client, target, from, false);
        pipe(target, client, from, true);
    }

    private record Chunk(byte[] data, int length, long dueNanos) {
    }

    private static final Chunk END = new Chunk(new byte[0], -1, 0);

    /** One direction: a reader stamps chunks with their due time, a writer forwards them when due. */
    private void pipe(Socket from, Socket to, InetAddress client, boolean download) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>(256);
        Thread reader = new Thread(() -> {
            try (InputStream in = from.getInputStream()) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    byte[] copy = java.util.Arrays.copyOf(buf, n);
                    queue.put(new Chunk(copy, n, System.nanoTime() + delayNanos(client)));
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
                long carried = 0;
                for (;;) {
                    Chunk c = queue.take();
                    if (c == END) {
                        break;
                    }
                    long limit = download ? dropAfterBytes : 0;
                    if (limit > 0 && carried + c.length() > limit) {
                        int part = (int) (limit - carried);
                        out.write(c.data(), 0, part);
                        out.flush();
                        forwarded.addAndGet(part);
                        closeQuietly(from);
                        closeQuietly(to);
                        break;
                    }
                    carried += c.length();
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
                pairs.remove(from);
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
