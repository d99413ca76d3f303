package io.imgfed.replicator.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One hand-driven HTTP/1.1 connection: send a head, then the body piece by piece at the test's pace, and read
 * interim (100 Continue) and final answers. For uploads that must be interrupted, throttled or raced.
 */
public final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static RawConnection open(String host, int port) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setTcpNoDelay(true);
            return new RawConnection(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a request head; LF line ends become CRLF; it must end with an empty line. */
    public RawConnection head(String head) throws IOException {
        out.write(head.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawConnection write(byte[] data, int off, int len) throws IOException {
        out.write(data, off, len);
        out.flush();
        return this;
    }

    public RawConnection write(byte[] data) throws IOException {
        return write(data, 0, data.length);
    }

    /**
     * Reads one answer (head and, per its Content-Length, body) within {@code timeoutMs}. Interim 1xx answers are
     * returned like final ones, so a caller waiting for 100 Continue sees it.
     */
    public ImgapiClient.Response read(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before a complete answer head; got [" + head + "]");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).trim().split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).trim(), k -> new ArrayList<>()).add(lines[i].substring(c + 1).trim());
        }
        byte[] body = new byte[0];
        List<String> len = headers.get("Content-Length");
        if (len != null && status >= 200) {
            body = in.readNBytes(Integer.parseInt(len.get(0)));
        }
        return new ImgapiClient.Response(status, headers, body);
    }

    /** Whether the server closed the connection (read returns EOF or reset) within {@code timeoutMs}. */
    public boolean closedByServer(int timeoutMs) {
        try {
            socket.setSoTimeout(timeoutMs);
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Drops the connection with a reset (no orderly end of the body). */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
