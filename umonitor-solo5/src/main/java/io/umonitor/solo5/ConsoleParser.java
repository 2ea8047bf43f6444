package io.umonitor.solo5;

import io.umonitor.api.spi.GuestOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Solo5 unikernel's console for lifecycle facts. What Solo5 v0.12.1 prints (stdout unless noted):
 * <pre>
 *             |      ___|                       banner (5 lines; hidden by --solo5:quiet)
 * Solo5: Bindings version v0.12.1
 * Solo5: Memory map: 512 MB addressable:
 * Solo5:   reserved @ (0x0 - 0xfffff)           ... text, rodata, data ...
 * Solo5:       heap >= 0x106000 &lt; stack &lt; 0x20000000      last line before the application's main
 * Solo5: solo5_exit(0) called                   the application returned or called solo5_exit
 * Solo5: solo5_abort() called                   abort; or:
 * Solo5: trap: type=#PF ec=0x2 rip=0x104022 rsp=0x1fffffe0 rflags=0x10006
 * Solo5: trap: cr2=0x400000000
 * Solo5: ABORT: cpu_x86_64.c:182: Fatal trap
 * solo5-hvt: Exiting on signal 15              (stderr) the hvt tender got SIGTERM
 * solo5-spt: Could not attach interface: ...   (stderr) tender and configuration errors
 * </pre>
 * The application counts as running after the memory map (when the banner is hidden: at the first line).
 * Thread-safe: stdout and stderr may be read by different threads.
 */
final class ConsoleParser {

    private static final Pattern BINDINGS = Pattern.compile("^Solo5: Bindings version (\\S+)");
    private static final Pattern MEMORY = Pattern.compile("^Solo5: Memory map: (\\d+) MB addressable");
    private static final Pattern HEAP = Pattern.compile("^Solo5:\\s+heap >= ");
    private static final Pattern EXIT = Pattern.compile("^Solo5: solo5_exit\\((-?\\d+)\\) called");
    private static final Pattern TENDER_LINE = Pattern.compile("^solo5-(?:hvt|spt|hvt-debug): (.*)$");
    private static final Pattern EXITING_ON_SIGNAL = Pattern.compile("^Exiting on signal (\\d+)");
    /** The first banner line; a console starting with anything else has the banner hidden. */
    private static final String BANNER_START = "            |      ___|";
    /** Tender messages that are not errors. */
    private static final List<String> TENDER_INFO = List.of("adjusting memory", "Waiting for a debugger",
            "Connection from debugger", "\tgdb ");

    /** What the parser learnt; a snapshot, safe to keep. */
    record Facts(
            Optional<String> bindingsVersion,
            OptionalInt memoryMb,
            boolean running,
            OptionalInt exitStatus,
            boolean abortCalled,
            Optional<String> abortMessage,
            List<String> trapLines,
            List<String> tenderErrors,
            OptionalInt tenderExitSignal) {

        Facts {
            trapLines = List.copyOf(trapLines);
            tenderErrors = List.copyOf(tenderErrors);
        }

        boolean crashed() {
            return abortCalled || abortMessage.isPresent() || !trapLines.isEmpty();
        }
    }

    private final Runnable onRunning;
    private boolean firstStdoutLine = true;
    private String bindingsVersion;
    private int memoryMb = -1;
    private boolean running;
    private Integer exitStatus;
    private boolean abortCalled;
    private String abortMessage;
    private final List<String> trapLines = new ArrayList<>();
    private final List<String> tenderErrors = new ArrayList<>();
    private Integer tenderExitSignal;

    /** @param onRunning called once, on the reading thread, when the application starts */
    ConsoleParser(Runnable onRunning) {
        this.onRunning = onRunning;
    }

    void accept(GuestOutput.Stream stream, String rawLine) {
        // The bindings pad the console with NUL bytes at exit; they are never part of a message.
        String line = rawLine.replace("\0", "");
        boolean fireRunning = false;
        synchronized (this) {
            if (stream == GuestOutput.Stream.STDERR) {
                acceptTender(line);
                return;
            }
            boolean first = firstStdoutLine;
            firstStdoutLine = false;
            Matcher m;
            if ((m = BINDINGS.matcher(line)).find()) {
                bindingsVersion = m.group(1);
            } else if ((m = MEMORY.matcher(line)).find()) {
                memoryMb = Integer.parseInt(m.group(1));
            } else if (HEAP.matcher(line).find()) {
                fireRunning = markRunning();
            } else if ((m = EXIT.matcher(line)).find()) {
                exitStatus = Integer.parseInt(m.group(1));
            } else if (line.startsWith("Solo5: solo5_abort() called")) {
                abortCalled = true;
            } else if (line.startsWith("Solo5: ABORT: ")) {
                abortMessage = line.substring("Solo5: ABORT: ".length()).strip();
            } else if (line.startsWith("Solo5: trap: ")) {
                trapLines.add(line.substring("Solo5: trap: ".length()).strip());
            } else if (first && !line.startsWith(BANNER_START) && !line.startsWith("Solo5:")) {
                fireRunning = markRunning();
            }
        }
        if (fireRunning) {
            onRunning.run();
        }
    }

    private boolean markRunning() {
        if (running) {
            return false;
        }
        running = true;
        return true;
    }

    private void acceptTender(String line) {
        Matcher m = TENDER_LINE.matcher(line);
        if (!m.find()) {
            return; // usage text following an "Invalid option" error
        }
        String message = m.group(1);
        Matcher signal = EXITING_ON_SIGNAL.matcher(message);
        if (signal.find()) {
            tenderExitSignal = Integer.parseInt(signal.group(1));
        } else if (TENDER_INFO.stream().noneMatch(message::startsWith) && !tenderErrors.contains(message)) {
            tenderErrors.add(message);
        }
    }

    synchronized Facts facts() {
        return new Facts(Optional.ofNullable(bindingsVersion),
                memoryMb < 0 ? OptionalInt.empty() : OptionalInt.of(memoryMb), running,
                exitStatus == null ? OptionalInt.empty() : OptionalInt.of(exitStatus), abortCalled,
                Optional.ofNullable(abortMessage), trapLines, tenderErrors,
                tenderExitSignal == null ? OptionalInt.empty() : OptionalInt.of(tenderExitSignal));
    }
}
