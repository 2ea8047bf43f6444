package io.umonitor.solo5;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code solo5-TENDER --version} prints (to stderr):
 * <pre>
 * solo5-spt tender, version v0.12.1
 * ABI version 2
 * </pre>
 */
record TenderVersion(String version, int abiVersion) {

    private static final Pattern VERSION = Pattern.compile("tender, version (\\S+)");
    private static final Pattern ABI = Pattern.compile("ABI version (\\d+)");

    static Optional<TenderVersion> parse(String output) {
        Matcher version = VERSION.matcher(output);
        Matcher abi = ABI.matcher(output);
        if (!version.find() || !abi.find()) {
            return Optional.empty();
        }
        return Optional.of(new TenderVersion(version.group(1), Integer.parseInt(abi.group(1))));
    }
}
