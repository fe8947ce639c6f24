package dev.exstate.testkit.backend;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal blocking RESP2 connection for tests that want to look at Redis directly, without a
 * client library: {@code conn.call("SET", "k", "v")}.
 *
 * <p>Replies map to Java as: simple and bulk strings to {@link String} (a nil bulk string to
 * {@code null}), integers to {@link Long}, arrays to {@code List<Object>}; an error reply is
 * thrown as {@link RespException} (inside an array it is returned as a {@code RespException}
 * element). I/O failures, including read timeouts, are thrown as {@link UncheckedIOException}
 * whose cause is the original exception (for example {@link java.net.SocketTimeoutException}).
 * Not thread-safe: one connection per thread.
 */
public final class RespConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String address;

    private RespConnection(Socket socket, String address) throws IOException {
        this.socket = socket;
        this.address = address;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code host:port}; {@code timeout} bounds the connect and every later read.
     *
     * @throws UncheckedIOException if the connection cannot be made
     */
    public static RespConnection open(String host, int port, Duration timeout) {
        return open(host, port, timeout, null);
    }

    /**
     * Connects to {@code host:port} over TLS made by {@code tls} (which decides the trusted CAs and
     * any client certificate; the host name is verified), or in plain text if {@code tls} is null.
     *
     * @throws UncheckedIOException if the connection or the TLS handshake fails
     */
    public static RespConnection open(String host, int port, Duration timeout, SSLSocketFactory tls) {
        Socket socket = new Socket();
        String address = host + ":" + port;
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), Math.toIntExact(Math.max(1, timeout.toMillis())));
            socket.setSoTimeout(Math.toIntExact(Math.max(1, timeout.toMillis())));
            if (tls != null) {
                Socket plain = socket;
                SSLSocket secure = (SSLSocket) tls.createSocket(plain, host, port, true);
                socket = secure;
                SSLParameters params = secure.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(params);
                secure.startHandshake();
            }
            return new RespConnection(socket, address);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("cannot connect to redis at " + address + (tls != null ? " (TLS)" : "")
                    + ": " + e.getMessage(), e);
        }
    }

    /** Changes how long a read may block before it fails with a socket timeout. */
    public RespConnection readTimeout(Duration timeout) {
        try {
            socket.setSoTimeout(Math.toIntExact(Math.max(1, timeout.toMillis())));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one command and returns its reply.
     *
     * @throws RespException for an error reply
     * @throws UncheckedIOException on I/O failure or read timeout
     */
    public Object call(String... args) {
        try {
            out.write(encode(args));
            out.flush();
            Object reply = read();
            if (reply instanceof RespException error) {
                throw new RespException(error.getMessage());
            }
            return reply;
        } catch (IOException e) {
            String name = args.length == 0 ? "(empty)" : args[0];
            throw new UncheckedIOException("redis " + name + " at " + address + " failed: " + e, e);
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    static byte[] encode(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        writeAscii(buf, "*" + args.length + "\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            writeAscii(buf, "$" + bytes.length + "\r\n");
            buf.writeBytes(bytes);
            writeAscii(buf, "\r\n");
        }
        return buf.toByteArray();
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by redis");
        }
        String line = readLine();
        return switch (type) {
            case '+' -> line;
            case '-' -> new RespException(line);
            case ':' -> Long.parseLong(line);
            case '$' -> readBulk(Integer.parseInt(line));
            case '*' -> readArray(Integer.parseInt(line));
            default -> throw new IOException("unexpected RESP type '" + (char) type + "' followed by: " + line);
        };
    }

    private String readBulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length || in.read() != '\r' || in.read() != '\n') {
            throw new EOFException("truncated bulk string");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private List<Object> readArray(int count) throws IOException {
        if (count < 0) {
            return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            items.add(read());
        }
        return items;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by redis mid-reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("malformed RESP line: " + line.toString(StandardCharsets.UTF_8));
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    private static void writeAscii(ByteArrayOutputStream buf, String s) {
        buf.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }
}
