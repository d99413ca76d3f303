package io.imgfed.replicator.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A requester that stops reading slows neither the transfer nor the other requesters. */
class SlowReaderTest {
    @TempDir
    static Path dir;
    static TestFederation fed;

    @BeforeAll
    static void start() {
        fed = TestFederation.start(dir, "a", "b");
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    @Test
    void aStalledReaderDoesNotStallTheTransferOrAFastReader() throws Exception {
        byte[] file = new byte[64 << 20];
        new Random(31).nextBytes(file);
        String sha1 = ImgapiClient.sha1(file);
        String uuid = fed.client("a").activeImage("slow", file);
        fed.awaitHolding("b", uuid, "a");

        try (Socket slow = new Socket("127.0.0.1", fed.httpPort("b"))) {
            slow.setReceiveBufferSize(64 * 1024);
            OutputStream out = slow.getOutputStream();
            out.write(("GET /images/" + uuid + "/file HTTP/1.1\r\nHost: b\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = slow.getInputStream();
            byte[] head = readHead(in);
            assertTrue(new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
            // The slow reader now stops reading while another requester fetches the whole file.
            ImgapiClient.Digested fast = fed.client("b").getDigest("/images/" + uuid + "/file");
            assertEquals(200, fast.status());
            assertEquals(sha1, fast.sha1());
            Await.until("the file committed at b while the slow reader still lags", Duration.ofSeconds(30),
                    () -> fed.dc("b").daemon().store().contains(sha1));

            MessageDigest d = MessageDigest.getInstance("SHA-1");
            byte[] buf = new byte[64 * 1024];
            long n = 0;
            int k;
            while (n < file.length && (k = in.read(buf, 0, (int) Math.min(buf.length, file.length - n))) >= 0) {
                d.update(buf, 0, k);
                n += k;
            }
            assertEquals(file.length, n);
            assertEquals(sha1, HexFormat.of().formatHex(d.digest()), "the slow reader got the same bytes at its pace");
        }
    }

    private static byte[] readHead(InputStream in) throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("connection closed in the head");
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return b.toByteArray();
    }
}
