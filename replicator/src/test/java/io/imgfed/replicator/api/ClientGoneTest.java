package io.imgfed.replicator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A client that hangs up in the middle of a file is an everyday event, not a server error: it is logged at
 * DEBUG (the access log has the request), never at ERROR, on the client API and on the peer listener.
 */
class ClientGoneTest {
    /** Larger than the loopback socket buffers of both ends, so the server is still sending when the client leaves. */
    static final int FILE_SIZE = 24 << 20;

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static String uuid;
    static String sha1;
    static ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir.resolve("data"));
        byte[] file = new byte[FILE_SIZE];
        new Random(21).nextBytes(file);
        uuid = daemon.client().activeImage("hung-up-on", file);
        sha1 = ImgapiClient.sha1(file);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        ((Logger) LoggerFactory.getLogger(ErrorResponses.class)).setLevel(Level.DEBUG);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        ((Logger) LoggerFactory.getLogger(ErrorResponses.class)).setLevel(null);
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aClientThatHangsUpMidFileIsNotAnError() throws Exception {
        hangUpMidFile(daemon.daemon().httpPort(), "/images/" + uuid + "/file", "");
        hangUpMidFile(daemon.daemon().peerPort(), "/peer/v1/files/" + sha1, "X-Imgfed-Dc: other\r\n");
        assertEquals(200, daemon.client().get("/ping").status(), "still serving");
    }

    /** GETs the file, reads its head and a little body, then resets the connection; checks what was logged. */
    private static void hangUpMidFile(int port, String path, String extraHeaders) throws Exception {
        String requestId = "gone-" + UUID.randomUUID();
        int before = logs.list.size();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setReceiveBufferSize(16 * 1024);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: " + requestId + "\r\n" + extraHeaders
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            int n = in.read(buf);
            String head = new String(buf, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
            assertTrue(head.startsWith("HTTP/1.1 200"), port + " " + path + ": " + head.lines().findFirst().orElse(""));
            s.setSoLinger(true, 0); // close with a reset, as a killed client does
        }
        // Either line ends the wait: the ERROR of a server failure, or the DEBUG line of a client gone.
        ILoggingEvent said = Await.value("the server to notice that the client of " + requestId + " left", Duration.ofSeconds(20),
                () -> events(before).stream().filter(e -> mentions(e, requestId)
                        && (e.getLevel() == Level.ERROR || e.getFormattedMessage().contains("closed the connection")))
                        .findFirst().orElse(null));
        assertEquals(Level.DEBUG, said.getLevel(), port + ": " + said.getFormattedMessage());
        for (ILoggingEvent e : events(before)) {
            assertTrue(e.getLevel().toInt() < Level.WARN.toInt(), port + ": logged at " + e.getLevel() + ": "
                    + e.getFormattedMessage());
        }
    }

    private static List<ILoggingEvent> events(int from) {
        List<ILoggingEvent> all = List.copyOf(logs.list);
        return all.subList(Math.min(from, all.size()), all.size());
    }

    private static boolean mentions(ILoggingEvent e, String requestId) {
        return e.getFormattedMessage().contains(requestId) || requestId.equals(e.getMDCPropertyMap().get("request_id"));
    }
}
