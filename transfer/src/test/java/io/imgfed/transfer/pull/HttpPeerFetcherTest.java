package io.imgfed.transfer.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClient;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The file fetch below Vert.x's HTTP client, against a real HTTP server: whole bodies and ranges arrive intact
 * through pauses, a head that is not what was asked fails the open, and a source that hangs up mid-body fails
 * the body rather than ending it.
 */
class HttpPeerFetcherTest {
    private static final byte[] FILE = new byte[3 * 1024 * 1024 + 17];
    private static Vertx vertx;
    private static HttpServer server;
    private static HttpClient client;
    private static NetClient net;
    private static HttpPeerFetcher fetcher;
    private static String address;

    @BeforeAll
    static void start() throws Exception {
        new Random(7).nextBytes(FILE);
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
            String name = req.path().substring(HttpPeerFetcher.FILES.length());
            String range = req.getHeader("Range");
            int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            byte[] body = Arrays.copyOfRange(FILE, from, FILE.length);
            var res = req.response().setStatusCode(range == null ? 200 : 206);
            switch (name) {
                case "wrong-length" -> res.putHeader("Content-Length", String.valueOf(body.length - 1))
                        .end(Buffer.buffer(Arrays.copyOf(body, body.length - 1)));
                case "not-found" -> res.setStatusCode(404).end();
                case "hangs-up" -> {
                    res.putHeader("Content-Length", String.valueOf(body.length));
                    res.write(Buffer.buffer(Arrays.copyOf(body, body.length / 2)))
                            .onComplete(v -> req.connection().close());
                }
                default -> res.putHeader("Content-Length", String.valueOf(body.length)).end(Buffer.buffer(body));
            }
        }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = vertx.createHttpClient();
        net = vertx.createNetClient();
        fetcher = new HttpPeerFetcher(client, net, "b", false);
        address = "127.0.0.1:" + server.actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void wholeFileArrivesThroughPauses() throws Exception {
        assertArrayEquals(FILE, read("whole", 0));
    }

    @Test
    void aRangeArrivesFromItsOffset() throws Exception {
        assertArrayEquals(Arrays.copyOfRange(FILE, 1_000_000, FILE.length), read("range", 1_000_000));
    }

    @Test
    void aHeadThatIsNotWhatWasAskedFailsTheOpen() {
        ExecutionException wrong = assertThrows(ExecutionException.class, () -> open("wrong-length", 0));
        assertTrue(wrong.getCause().getMessage().contains("Content-Length " + (FILE.length - 1)), wrong.getCause().getMessage());
        ExecutionException missing = assertThrows(ExecutionException.class, () -> open("not-found", 0));
        assertTrue(missing.getCause().getMessage().contains("answered 404"), missing.getCause().getMessage());
    }

    @Test
    void aSourceThatHangsUpFailsTheBody() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> read("hangs-up", 0));
        assertTrue(e.getCause().getMessage().contains("closed the connection after"), e.getCause().getMessage());
    }

    /** Reads the body, pausing after every chunk and resuming on a timer, releasing each chunk after copying it. */
    private static byte[] read(String name, long offset) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        PeerFetcher.SourceStream s = open(name, offset);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        AtomicInteger chunks = new AtomicInteger();
        ctx.runOnContext(v -> {
            s.body().handler(buf -> {
                got.writeBytes(buf.getBytes());
                s.release(buf);
                if (chunks.incrementAndGet() % 3 == 0) {
                    s.body().pause();
                    vertx.setTimer(1, id -> ctx.runOnContext(x -> s.body().resume()));
                }
            }).exceptionHandler(ended::completeExceptionally).endHandler(x -> ended.complete(null));
            s.body().resume();
        });
        try {
            ended.get(20, TimeUnit.SECONDS);
        } finally {
            s.close();
        }
        assertTrue(chunks.get() > 1, "the body came in one chunk; the pauses were not exercised");
        return got.toByteArray();
    }

    private static PeerFetcher.SourceStream open(String name, long offset) throws Exception {
        return onContext(() -> fetcher.open(new SourceCandidate("a", address), name, offset, FILE.length, "t"));
    }

    private static <T> T onContext(Supplier<Future<T>> call) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> call.get().onComplete(ar -> {
            if (ar.succeeded()) {
                f.complete(ar.result());
            } else {
                f.completeExceptionally(ar.cause());
            }
        }));
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void openingOutsideAContextIsRefused() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> fetcher.open(new SourceCandidate("a", address),
                "whole", 0, FILE.length, "t").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals(IllegalStateException.class, e.getCause().getClass());
    }
}
