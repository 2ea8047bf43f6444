package io.umonitor.core.internal;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Per-launch secrets: 128 random bits as 32 lowercase hex characters, as PROTOCOL.md says. */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    public static String next() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
