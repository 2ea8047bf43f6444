package io.umonitor.core.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay that a test can cut, as a network outage or a restarted proxy would: every
 * connection through it is reset and new ones are refused until {@link #restore()}. Listens on
 * 127.0.0.1:PORT and relays to another loopback address on the same port, so a server that reports its own
 * port (the gateway's {@code wsPort}) is reached through the relay.
 */
final class CuttableProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    private CuttableProxy(ServerSocket listener, InetAddress targetHost) {
        this.listener = listener;
        this.port = listener.getLocalPort();
        this.target = new InetSocketAddress(targetHost, port);
        accept(listener);
    }

    /** Relays 127.0.0.1:(free port) to {@code targetHost} on that port (which the server then binds). */
    static CuttableProxy start(InetAddress targetHost) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new CuttableProxy(s, targetHost);
    }

    int port() {
        return port;
    }

    /** Resets every relayed connection and refuses new ones. */
    void cut() throws IOException {
        listener.close();
        for (Socket s : open) {
            open.remove(s);
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // RST, as when the path is gone, not an orderly goodbye
                s.close();
            }
        }
    }

    /** Accepts connections again on the same port. */
    void restore() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listener = s;
        accept(s);
    }

    private void accept(ServerSocket s) {
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket server;
                    try {
                        server = new Socket(target.getAddress(), target.getPort());
                    } catch (IOException e) {
                        closeQuietly(client);
                        continue;
                    }
                    open.add(client);
                    open.add(server);
                    pump(client, server);
                    pump(server, client);
                } catch (IOException e) {
                    // closed by cut(), or the server refused: the client sees its connection end
                }
            }
        }, "proxy-accept-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
