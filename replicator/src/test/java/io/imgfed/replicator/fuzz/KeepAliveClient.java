package io.imgfed.replicator.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over one kept-alive connection that sends request heads exactly as given (no URI or
 * header validation of its own, unlike the JDK's clients) and reads responses by Content-Length, chunked
 * encoding or until close. Reconnects when the server closed the connection. Not thread-safe.
 */
final class KeepAliveClient implements AutoCloseable {
    /** A response: status, headers (lowercase names, last value wins), body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The server did not answer within the read timeout: a hang. */
    static final class NoAnswerException extends IOException {
        NoAnswerException(String message) {
            super(message);
        }
    }

    private final String host;
    private final int port;
    private final int timeoutMs;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    KeepAliveClient(String host, int port, int timeoutMs) {
        this.host = host;
        this.port = port;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Sends {@code head} (request line and header lines, each ending in CRLF, without the blank line) plus a
     * Content-Length header for {@code body}, then the body; returns the response.
     */
    Response exchange(String method, String head, byte[] body) throws IOException {
        byte[] request = request(head, body);
        boolean fresh = socket == null;
        if (fresh) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            return read(method);
        } catch (SocketTimeoutException e) {
            close();
            throw new NoAnswerException("no response within " + timeoutMs + " ms");
        } catch (IOException e) {
            close();
            if (fresh) {
                throw e;
            }
            // The server closed the kept-alive connection between requests: once more on a new one.
            connect();
            try {
                out.write(request);
                out.flush();
                return read(method);
            } catch (SocketTimeoutException e2) {
                close();
                throw new NoAnswerException("no response within " + timeoutMs + " ms");
            }
        }
    }

    private static byte[] request(String head, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(head.length() + body.length + 64);
        b.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(body);
        return b.toByteArray();
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), timeoutMs);
        socket.setSoTimeout(timeoutMs);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    private Response read(String method) throws IOException {
        String status;
        do {
            status = line();
            if (status == null) {
                throw new IOException("connection closed before a response");
            }
            // 100 Continue and other interim responses: skip them and their (empty) header block.
            if (status.matches("^HTTP/1\\.[01] 1\\d\\d.*")) {
                while (!line().isEmpty()) {
                    // interim header
                }
                status = "";
            }
        } while (status.isEmpty());
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(); h != null && !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
        }
        byte[] body;
        boolean noBody = method.equals("HEAD") || code == 204 || code == 304;
        if (noBody) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked();
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else {
            body = in.readAllBytes();
            close();
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
            close();
        }
        return new Response(code, headers, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            if (size == null) {
                throw new IOException("connection closed inside a chunked body");
            }
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
            if (n == 0) {
                for (String t = line(); t != null && !t.isEmpty(); t = line()) {
                    // trailer
                }
                return body.toByteArray();
            }
            body.writeBytes(in.readNBytes(n));
            line();
        }
    }

    /** One CRLF- (or LF-) terminated line as ISO-8859-1, or null at end of stream. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
