package io.umonitor.core.attack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * A hostile local process: opens {@code COUNT} TCP connections to {@code HOST:PORT}, never sends a byte,
 * and reopens each one the collector closes, for {@code SECONDS} seconds at most. Prints {@code ready N}
 * once every connection has been opened at least once and {@code open N reopened M} every second.
 * Reopening is paced (at most {@code COUNT} per second) so the attack stays bounded on a shared machine.
 *
 * <p>Usage: {@code ConnectionStormMain HOST PORT COUNT SECONDS}
 */
public final class ConnectionStormMain {
    private ConnectionStormMain() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        long end = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
        Selector selector = Selector.open();
        ByteBuffer sink = ByteBuffer.allocate(256);
        int open = 0;
        long connected = 0;
        long reopened = 0;
        int toOpen = count;
        boolean ready = false;
        long nextReport = System.nanoTime() + 1_000_000_000L;
        long budgetSecond = System.nanoTime();
        int openedThisSecond = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (now - budgetSecond >= 1_000_000_000L) {
                budgetSecond = now;
                openedThisSecond = 0;
            }
            while (toOpen > 0 && (!ready || openedThisSecond < count)) {
                try {
                    SocketChannel c = SocketChannel.open();
                    c.configureBlocking(false);
                    c.connect(target);
                    c.register(selector, SelectionKey.OP_CONNECT);
                    toOpen--;
                    openedThisSecond++;
                    if (ready) {
                        reopened++;
                    }
                } catch (IOException e) {
                    break; // out of ports or descriptors for a moment: try again next round
                }
            }
            selector.select(50);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                SocketChannel c = (SocketChannel) key.channel();
                try {
                    if (key.isConnectable()) {
                        c.finishConnect();
                        key.interestOps(SelectionKey.OP_READ);
                        open++;
                        connected++;
                    } else if (key.isReadable()) {
                        sink.clear();
                        if (c.read(sink) < 0) {
                            throw new IOException("closed by the collector");
                        }
                    }
                } catch (IOException e) {
                    if (key.interestOps() == SelectionKey.OP_READ) {
                        open--;
                    }
                    key.cancel();
                    c.close();
                    toOpen++;
                }
            }
            if (!ready && connected >= count) {
                ready = true;
                System.out.println("ready open " + open + " connected " + connected);
            }
            if (now > nextReport) {
                System.out.println("open " + open + " connected " + connected + " reopened " + reopened);
                nextReport = now + 1_000_000_000L;
            }
        }
        System.out.println("done open " + open + " reopened " + reopened);
    }
}
