package io.imgfed.replicator.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Hand-written HTTP/1.1 for requests no well-behaved client sends: bodies shorter or longer than their
 * Content-Length, connections dropped mid-body, malformed heads.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /**
     * Sends {@code head} (CRLF line endings added; end with an empty line) and {@code body}; if
     * {@code halfClose} the write side is shut afterwards. Returns what the server sent until it closed or
     * {@code readTimeoutMs} passed without data.
     */
    public static String exchange(String host, int port, String head, byte[] body, boolean halfClose, int readTimeoutMs)
            throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(readTimeoutMs);
            OutputStream out = s.getOutputStream();
            out.write(head.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // the server kept the connection open (or reset it): return what arrived
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Opens a connection, sends the head and part of a body, then drops the connection without finishing. */
    public static void abandon(String host, int port, String head, byte[] partialBody) throws IOException {
        try (Socket s = new Socket(host, port)) {
            OutputStream out = s.getOutputStream();
            out.write(head.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(partialBody);
            out.flush();
            s.setSoLinger(true, 0);
        }
    }
}
