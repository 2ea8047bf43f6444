package io.umonitor.core.network.tap;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IPv4 subnet as unsigned 32-bit arithmetic; addresses are ints compared with Integer.compareUnsigned. */
record Ipv4Subnet(int network, int prefixLength) {

    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    Ipv4Subnet {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0..32");
        }
        if ((network & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException("host bits set in " + format(network) + "/" + prefixLength);
        }
    }

    /**
     * Parses {@code a.b.c.d/n}. Rejects host bits so that {@code 10.77.0.1/16} is not silently read as
     * another pool.
     *
     * @throws IllegalArgumentException saying what is wrong with the text (the caller adds which setting)
     */
    static Ipv4Subnet parse(String text) {
        Matcher m = CIDR.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not in CIDR form a.b.c.d/n (e.g. 10.77.0.0/16)");
        }
        int address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new IllegalArgumentException("octet " + octet + " is larger than 255");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw new IllegalArgumentException("prefix length " + prefix + " is larger than 32");
        }
        if ((address & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException("host bits are set: did you mean "
                    + format(address & mask(prefix)) + "/" + prefix + "?");
        }
        return new Ipv4Subnet(address, prefix);
    }

    static Ipv4Subnet containing(int address, int prefixLength) {
        return new Ipv4Subnet(address & mask(prefixLength), prefixLength);
    }

    static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    long size() {
        return 1L << (32 - prefixLength);
    }

    int broadcast() {
        return network | ~mask(prefixLength);
    }

    boolean contains(int address) {
        return (address & mask(prefixLength)) == network;
    }

    boolean contains(Ipv4Subnet other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    boolean overlaps(Ipv4Subnet other) {
        return contains(other.network) || other.contains(network);
    }

    static int parseAddress(String text) {
        Ipv4Subnet single = parse(text + "/32");
        return single.network;
    }

    static String format(int address) {
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    static InetAddress toInetAddress(int address) {
        byte[] bytes = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossibleForFourBytes) {
            throw new IllegalStateException(impossibleForFourBytes);
        }
    }

    static int fromInetAddress(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException(address + " is not an IPv4 address");
        }
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefixLength;
    }
}
