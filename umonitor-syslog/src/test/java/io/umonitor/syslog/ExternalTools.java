package io.umonitor.syslog;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the syslog tools other people wrote (logger, rsyslogd, openssl) for the tests. */
final class ExternalTools {
    private ExternalTools() {
    }

    static boolean exists(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "command -v " + command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs a command to its end (30 s at most) and returns its output; fails on a non-zero exit. */
    static String run(String... command) throws IOException, InterruptedException {
        return run(null, List.of(command));
    }

    static String run(byte[] stdin, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C.UTF-8");
        Process p = builder.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin);
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not end within 30 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited with " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** A port free for both TCP and UDP on loopback right now (the tool under test binds it next). */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException e) {
                    // taken for UDP: try another
                }
            }
        }
        throw new IOException("no port free for both TCP and UDP on loopback");
    }

    /**
     * A test CA and a certificate it signed for {@code localhost} / 127.0.0.1, made with openssl:
     * {@code ca.pem}, {@code server.pem}, {@code server.key} (PKCS#8) in {@code dir}.
     */
    static void testCa(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String d = dir.toString();
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=umonitor test CA",
                "-keyout", d + "/ca.key", "-out", d + "/ca.pem");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", d + "/server.key",
                "-out", d + "/server.csr");
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                + "extendedKeyUsage=serverAuth,clientAuth\n");
        run("openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out", d + "/server.pem");
    }
}
