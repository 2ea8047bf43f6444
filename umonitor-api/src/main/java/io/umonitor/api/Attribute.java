package io.umonitor.api;

import java.util.Objects;

/**
 * One key-value attribute of a log record. Keys are UTF-8, 1 to 255 bytes. Conventional keys
 * (PROTOCOL.md lists them): {@code function}, {@code file}, {@code line}, {@code stack},
 * {@code arg.NAME}, {@code error.kind}.
 *
 * @since 0.1
 */
public record Attribute(String key, AttributeValue value) {
    public Attribute {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new ConfigurationException("attribute key is empty: give every attribute a name");
        }
    }

    public static Attribute of(String key, String value) {
        return new Attribute(key, new AttributeValue.Str(value));
    }

    public static Attribute of(String key, long value) {
        return new Attribute(key, new AttributeValue.Int(value));
    }
}
