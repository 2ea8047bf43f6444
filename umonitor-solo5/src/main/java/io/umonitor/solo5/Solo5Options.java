package io.umonitor.solo5;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code solo5.*} options of a spec, validated together: every problem is reported in one
 * {@link ConfigurationException}. Keys are documented on {@link Solo5Backend}.
 */
record Solo5Options(
        Optional<Tender> tender,
        boolean debug,
        int gdbPort,
        Optional<String> cpus,
        boolean mirage,
        Optional<Boolean> umonitorArguments,
        boolean syslogArguments) {

    static final String PREFIX = "solo5.";
    static final String TENDER = "solo5.tender";
    static final String DEBUG = "solo5.debug";
    static final String GDB_PORT = "solo5.gdb-port";
    static final String CPUS = "solo5.cpus";
    static final String MIRAGE = "solo5.mirage";
    static final String UMONITOR_ARGUMENTS = "solo5.umonitor-arguments";
    /** Pass {@code --syslog=HOST --syslog-port=PORT} (the keys of MirageOS unikernels that log to syslog). */
    static final String SYSLOG = "solo5.syslog";
    static final List<String> KNOWN = List.of(TENDER, DEBUG, GDB_PORT, CPUS, MIRAGE, UMONITOR_ARGUMENTS, SYSLOG);

    /** A taskset CPU list: numbers and ranges separated by commas, e.g. {@code 0,2-3}. */
    private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    static Solo5Options of(UnikernelSpec spec) {
        Map<String, String> options = spec.options();
        List<String> problems = new ArrayList<>();
        List<String> unknown = options.keySet().stream()
                .filter(k -> k.startsWith(PREFIX) && !KNOWN.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            problems.add("unknown option(s) " + unknown + ": known solo5 options are " + KNOWN);
        }
        Optional<Tender> tender = Optional.empty();
        String tenderValue = options.get(TENDER);
        if (tenderValue != null) {
            tender = Tender.fromTarget(tenderValue);
            if (tender.isEmpty()) {
                problems.add(TENDER + "='" + tenderValue + "' is unknown: use hvt or spt (or leave it out to "
                        + "follow the image's ABI target)");
            }
        }
        boolean debug = bool(options, DEBUG, false, problems);
        int gdbPort = 0;
        String portValue = options.get(GDB_PORT);
        if (portValue != null) {
            try {
                gdbPort = Integer.parseInt(portValue.trim());
            } catch (NumberFormatException e) {
                gdbPort = -1;
            }
            if (gdbPort < 1 || gdbPort > 65535) {
                problems.add(GDB_PORT + "='" + portValue + "' is not a TCP port: use 1 to 65535, or leave it out "
                        + "to let umonitor pick a free one");
            }
            if (!debug) {
                problems.add(GDB_PORT + " is set but " + DEBUG + " is not true: set " + DEBUG + "=true to "
                        + "launch under solo5-hvt-debug");
            }
        }
        Optional<String> cpus = Optional.ofNullable(options.get(CPUS)).map(String::trim);
        if (cpus.isPresent() && !CPU_LIST.matcher(cpus.get()).matches()) {
            problems.add(CPUS + "='" + options.get(CPUS) + "' is not a CPU list: use numbers and ranges "
                    + "separated by commas, e.g. 0,1 or 2-3");
        }
        boolean mirage = bool(options, MIRAGE, false, problems);
        // Unset: decided per image (UmonitorClientSymbols), so it stays empty here.
        Optional<Boolean> umonitorArguments = options.containsKey(UMONITOR_ARGUMENTS)
                ? Optional.of(bool(options, UMONITOR_ARGUMENTS, false, problems)) : Optional.empty();
        boolean syslogArguments = bool(options, SYSLOG, false, problems);
        if (debug && tender.isPresent() && tender.get() != Tender.HVT) {
            problems.add(DEBUG + "=true needs the hvt tender (solo5-hvt-debug) but " + TENDER + "="
                    + tenderValue + ": build the unikernel for hvt or leave debug off");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("solo5 options of unikernel '" + spec.name() + "' are invalid: "
                    + String.join("; ", problems));
        }
        return new Solo5Options(tender, debug, gdbPort, cpus, mirage, umonitorArguments, syslogArguments);
    }

    private static boolean bool(Map<String, String> options, String key, boolean dflt, List<String> problems) {
        String value = options.get(key);
        if (value == null) {
            return dflt;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                problems.add(key + "='" + value + "' is not a boolean: use true or false");
                yield dflt;
            }
        };
    }
}
