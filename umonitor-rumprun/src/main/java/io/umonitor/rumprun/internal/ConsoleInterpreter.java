package io.umonitor.rumprun.internal;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the lifecycle out of a guest's serial console: when the application starts, the exit code it
 * reports, a panic, and rumprun's final {@code halted} (after which the guest idles forever and the
 * monitor must stop QEMU). Not thread-safe: fed from the one console-reading thread.
 */
public final class ConsoleInterpreter {

    /** What a line meant. */
    public enum Signal { NONE, RUNNING, EXIT_CODE, PANIC, HALTED }

    private static final Pattern CALLING_MAIN = Pattern.compile("=== calling \"(.*)\" main\\(\\) ===");
    private static final Pattern MAIN_RETURNED = Pattern.compile("=== main\\(\\) of \"(.*)\" returned (-?\\d+) ===");
    private static final Pattern EXIT_CALLED = Pattern.compile("=== (ERROR: )?_exit\\((-?\\d+)\\) called ===");
    private static final Pattern PANIC = Pattern.compile("PANIC: ?(.*)");

    private final Flavour flavour;
    private boolean running;
    private Integer exitCode;
    private String exitLine;
    private String panic;
    private boolean halted;

    public ConsoleInterpreter(Flavour flavour) {
        this.flavour = flavour;
    }

    public Signal accept(String rawLine) {
        String line = rawLine.strip();
        if (line.startsWith("@UM1:")) {
            return startIfFirst();
        }
        Matcher m = CALLING_MAIN.matcher(line);
        if (m.find()) {
            if (!running) {
                running = true;
                return Signal.RUNNING;
            }
            return Signal.NONE;
        }
        m = MAIN_RETURNED.matcher(line);
        if (m.find()) {
            return exit(m.group(2), line);
        }
        m = EXIT_CALLED.matcher(line);
        if (m.find()) {
            return exit(m.group(2), line);
        }
        m = PANIC.matcher(line);
        if (m.lookingAt()) {
            if (panic == null) {
                panic = m.group(1).strip();
            }
            return Signal.PANIC;
        }
        if (line.equals("halted")) {
            halted = true;
            return Signal.HALTED;
        }
        return startIfFirst();
    }

    /** Other flavours have no start marker: their first console line says the guest runs. */
    private Signal startIfFirst() {
        if (!running && flavour != Flavour.RUMPRUN) {
            running = true;
            return Signal.RUNNING;
        }
        return Signal.NONE;
    }

    private Signal exit(String code, String line) {
        // main() returning is followed by _exit() with the same code; the first report wins.
        if (exitCode == null) {
            try {
                exitCode = Integer.parseInt(code);
                exitLine = line;
            } catch (NumberFormatException e) {
                return Signal.NONE;
            }
        }
        return Signal.EXIT_CODE;
    }

    public boolean isRunning() {
        return running;
    }

    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /** The console line that reported the exit code, or null. */
    public String exitLine() {
        return exitLine;
    }

    /** The panic message, or null when the guest did not panic. */
    public String panic() {
        return panic;
    }

    public boolean halted() {
        return halted;
    }
}
