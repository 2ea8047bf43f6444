package io.umonitor.protocol;

import io.umonitor.api.ConfigurationException;
import java.util.Objects;

/** Validation shared by the frame records; cheap enough to run on every decoded frame. */
final class FieldChecks {
    private FieldChecks() {
    }

    static String requireStr(String value, int maxBytes, String field) {
        Objects.requireNonNull(value, field);
        // Every UTF-16 unit becomes at most 3 UTF-8 bytes, so short strings need no counting.
        if (value.length() * 3L > maxBytes) {
            long bytes = utf8Length(value);
            if (bytes > maxBytes) {
                throw new ConfigurationException(field + " is " + bytes + " bytes of UTF-8, over the protocol limit of "
                        + maxBytes + " bytes: shorten it");
            }
        }
        return value;
    }

    /** UTF-8 length; an unpaired surrogate counts 3 bytes here and is rejected by the encoder. */
    static long utf8Length(CharSequence s) {
        long n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The HELLO name rule of section 4.1, without a regex: it runs once per datagram. */
    static boolean isValidName(String name) {
        int len = name.length();
        if (len < 1 || len > WireFormat.MAX_NAME_LENGTH) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            char c = name.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
                return false;
            }
        }
        return true;
    }
}
