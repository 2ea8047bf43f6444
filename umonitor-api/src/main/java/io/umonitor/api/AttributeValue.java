package io.umonitor.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A typed attribute value, one variant per attribute type of the log protocol.
 *
 * @since 0.1
 */
public sealed interface AttributeValue {

    /** Human-readable rendering used by text sinks and the command line. */
    String render();

    record Str(String value) implements AttributeValue {
        public Str {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String render() {
            return value;
        }
    }

    /** Signed 64-bit integer. */
    record Int(long value) implements AttributeValue {
        @Override
        public String render() {
            return Long.toString(value);
        }
    }

    /** Unsigned 64-bit integer (addresses, sizes); {@code value} holds the bit pattern. */
    record UInt(long value) implements AttributeValue {
        @Override
        public String render() {
            return Long.toUnsignedString(value);
        }
    }

    /**
     * IEEE 754 binary64. A NaN keeps the exact bits the guest sent; {@link #render()} shows them unless they
     * are the canonical quiet NaN 0x7ff8000000000000.
     */
    record Float(double value) implements AttributeValue {
        @Override
        public String render() {
            return Double.isNaN(value) ? nanText(Double.doubleToRawLongBits(value)) : Double.toString(value);
        }

        /** {@code NaN} for the bits 0x7ff8000000000000, {@code NaN(0x7ff8000000000123)} for any other NaN. */
        public static String nanText(long bits) {
            return bits == 0x7ff8000000000000L ? "NaN" : "NaN(0x" + HexFormat.of().toHexDigits(bits) + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Float other
                    && Double.doubleToRawLongBits(value) == Double.doubleToRawLongBits(other.value);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(Double.doubleToRawLongBits(value));
        }
    }

    record Bool(boolean value) implements AttributeValue {
        @Override
        public String render() {
            return Boolean.toString(value);
        }
    }

    /** Raw bytes; the array is copied in and out so a record stays immutable. */
    record Bytes(byte[] value) implements AttributeValue {
        public Bytes {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public String render() {
            return "0x" + HexFormat.of().formatHex(value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(value, other.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Bytes[" + render() + "]";
        }
    }

    /** An explicit null, e.g. a NULL pointer passed as an argument. */
    record Null() implements AttributeValue {
        @Override
        public String render() {
            return "null";
        }
    }

    static AttributeValue of(String value) {
        return new Str(value);
    }

    static AttributeValue of(long value) {
        return new Int(value);
    }

    static AttributeValue of(double value) {
        return new Float(value);
    }

    static AttributeValue of(boolean value) {
        return new Bool(value);
    }
}
