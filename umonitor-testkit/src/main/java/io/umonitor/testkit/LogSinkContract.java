package io.umonitor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link LogSink} must do, as tests: extend this class, say how to create the sink and how
 * to read back what it stored, and the suite drives it as the monitor does (one thread, {@code open},
 * {@code accept}, {@code flush}, {@code close}).
 *
 * <pre>{@code
 * class MySinkContractTest extends LogSinkContract {
 *     protected LogSink createSink() { return new MySink(); }
 *     protected List<String> stored(String unikernel) { ... read back what the sink wrote ... }
 * }
 * }</pre>
 *
 * <p>Records are identified by their messages ({@code contract-N}, unique per test), so {@link #stored}
 * may return whatever one stored entry is (a line of a file, a logged event, a row), as long as it
 * contains the message and the entries come in the order the sink stored them.
 *
 * @since 0.2
 */
public abstract class LogSinkContract {

    /** A directory the sink may use (its {@link ProviderContext} state and work directories are below it). */
    @TempDir
    protected Path testDirectory;

    private final List<LogSink> opened = new ArrayList<>();

    // ---- what the subclass supplies -------------------------------------------------------------

    /** A new, unopened sink. */
    protected abstract LogSink createSink();

    /**
     * What the sinks of this test have stored for {@code unikernel} so far (after a flush or close), in
     * the order stored, one entry per record, each containing the record's message.
     */
    protected abstract List<String> stored(String unikernel) throws Exception;

    /** Settings for {@code open}, keys without the sink's {@code ID.} prefix. Default: none. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    /**
     * True (the default) when the sink stores lines of text (a file, a terminal, a host log), where a
     * guest's line breaks and terminal escapes must arrive escaped; false for a structured store (OTLP, a
     * database), where {@link #stored} returns each message itself and it must arrive exactly as sent.
     */
    protected boolean storesTextLines() {
        return true;
    }

    /**
     * Makes the sink's storage fail (a full disk, a removed directory, a closed connection) and returns
     * how to repair it. Empty (the default) skips the failure tests: say in the override why a sink
     * has no storage of its own that can fail.
     */
    protected Optional<Runnable> breakStorage(LogSink sink) throws Exception {
        return Optional.empty();
    }

    // ---- machinery --------------------------------------------------------------------------------

    /** Creates and opens a sink with {@link #settings()}; closed after the test if the test did not. */
    protected final LogSink openSink() throws IOException {
        LogSink sink = createSink();
        Path state = Files.createDirectories(testDirectory.resolve("state"));
        Path work = Files.createDirectories(testDirectory.resolve("work"));
        sink.open(new ProviderContext(settings(), state, work));
        opened.add(sink);
        return sink;
    }

    @BeforeEach
    final void clearOpened() {
        opened.clear();
    }

    @AfterEach
    final void closeOpened() {
        for (LogSink sink : opened) {
            try {
                sink.close();
            } catch (RuntimeException ignored) {
                // a test that broke the storage may leave a sink that cannot close cleanly
            }
        }
    }

    /** A console record of {@code unikernel} with the given message. */
    protected static LogRecord record(String unikernel, String message) {
        return LogRecord.simple(unikernel, LogOrigin.CONSOLE, LogLevel.INFO, "contract", message);
    }

    private List<String> storedMessages(String unikernel, List<String> expectedMessages) throws Exception {
        List<String> entries = stored(unikernel);
        List<String> found = new ArrayList<>();
        for (String entry : entries) {
            for (String message : expectedMessages) {
                if (entry.contains(message + " ") || entry.endsWith(message) || entry.contains(message + "\"")) {
                    found.add(message);
                }
            }
        }
        return found;
    }

    private static List<String> messages(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }

    // ---- the contract -------------------------------------------------------------------------

    @Test
    void theIdIsStableAndLowerCase() {
        LogSink sink = createSink();
        assertTrue(sink.id().matches("[a-z][a-z0-9-]*"), "id '" + sink.id() + "'");
        assertEquals(sink.id(), createSink().id());
    }

    @Test
    void anUnknownSettingIsRefusedAtOpenNamingIt() throws IOException {
        Map<String, String> settings = new HashMap<>(settings());
        settings.put("no-such-setting", "1");
        Path dir = Files.createDirectories(testDirectory.resolve("unknown"));
        LogSink sink = createSink();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> sink.open(new ProviderContext(settings, dir, dir)));
        assertTrue(e.getMessage().contains("no-such-setting"), e.getMessage());
    }

    @Test
    void recordsOfEachUnikernelAreStoredInTheOrderAccepted() throws Exception {
        LogSink sink = openSink();
        List<String> web = messages("contract-web", 500);
        List<String> db = messages("contract-db", 500);
        for (int i = 0; i < 500; i++) {
            sink.accept(record("contract-web", web.get(i)));
            sink.accept(record("contract-db", db.get(i)));
            if (i % 97 == 0) {
                sink.flush();
            }
        }
        sink.flush();
        assertEquals(web, storedMessages("contract-web", web), "web's 500 records, in order, none of db's");
        assertEquals(db, storedMessages("contract-db", db), "db's 500 records, in order");
    }

    @Test
    void flushMakesEveryAcceptedRecordStoredBeforeClose() throws Exception {
        LogSink sink = openSink();
        List<String> first = messages("contract-flush", 3);
        first.forEach(m -> sink.accept(record("contract-flush", m)));
        sink.flush();
        assertEquals(first, storedMessages("contract-flush", first), "stored after flush, sink still open");
        sink.flush();
        assertEquals(first, storedMessages("contract-flush", first), "a second flush stores nothing twice");
    }

    @Test
    void closeStoresWhatWasAcceptedAndIsHarmlessTwice() throws Exception {
        LogSink sink = openSink();
        List<String> all = messages("contract-close", 1000);
        all.forEach(m -> sink.accept(record("contract-close", m)));
        sink.close();
        sink.close();
        assertEquals(all, storedMessages("contract-close", all), "all 1000 records stored by close alone");
    }

    @Test
    void aMessageWithLineBreaksAndEscapesIsStoredAsOneRecord() throws Exception {
        LogSink sink = openSink();
        String hostile = "first line\nsecond line\r\n\u001b[2J forged contract-forged";
        sink.accept(record("contract-text", "contract-a"));
        sink.accept(record("contract-text", hostile));
        sink.accept(record("contract-text", "contract-b"));
        sink.flush();
        List<String> entries = stored("contract-text");
        assertEquals(3, entries.size(), "three records, three entries: " + entries);
        if (storesTextLines()) {
            assertTrue(entries.get(1).contains("contract-forged"), entries.toString());
            assertFalse(entries.get(1).contains("\u001b") || entries.get(1).contains("\n"),
                    "line breaks and terminal escapes are stored escaped: " + entries.get(1));
        } else {
            assertEquals(hostile, entries.get(1), "a structured store keeps the message exactly");
        }
    }

    @Test
    void aStorageFailureIsThrownAndTheSinkResumesWhenStorageReturns() throws Exception {
        LogSink sink = openSink();
        sink.accept(record("contract-fail", "contract-before"));
        sink.flush();
        Optional<Runnable> repair = breakStorage(sink);
        assumeTrue(repair.isPresent(), () -> "sink '" + sink.id() + "' has no storage the test can make fail "
                + "(breakStorage)");
        // Up to 10,000 records of 200 bytes (2 MB): storage may have room left in blocks already allocated.
        String padding = "x".repeat(200);
        RuntimeException failure = null;
        for (int i = 0; i < 10_000 && failure == null; i++) {
            try {
                sink.accept(record("contract-fail", "contract-lost-" + i + " " + padding));
                if (i % 10 == 9) {
                    sink.flush();
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure == null) {
            try {
                sink.flush();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        assertTrue(failure != null, "10,000 records written to broken storage: accept or flush must throw, so "
                + "that the monitor counts the loss; none did");
        assertFalse(failure.getMessage() == null || failure.getMessage().isBlank(), "a failure says what happened");
        repair.get().run();
        List<String> after = messages("contract-after", 5);
        after.forEach(m -> sink.accept(record("contract-fail", m)));
        sink.flush();
        assertEquals(after, storedMessages("contract-fail", after), "writing resumes once storage is back");
    }
}
