package io.umonitor.core.sink;

import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogRecord;
import io.umonitor.api.Names;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes one file per unikernel under a directory: {@code NAME.log} (text) or {@code NAME.jsonl}
 * (JSON Lines), rotated by size to {@code NAME.log.1} .. {@code NAME.log.KEEP}.
 *
 * <p>Settings (provider properties, keys without the {@code file.} prefix, or the constructor):
 * <ul>
 *   <li>{@code directory}: where the files go; created if missing. Default: {@code logs} in the command
 *       line's directory ({@link io.umonitor.core.UmonitorHome#logs()}), or in the monitor's work directory
 *       when the builder sets one.</li>
 *   <li>{@code format}: {@code text} (default) or {@code json}.</li>
 *   <li>{@code maxBytes}: size at which a file is rotated (default 64 MiB; 0 never rotates).</li>
 *   <li>{@code keep}: rotated files kept per unikernel (default 5; 0 keeps none).</li>
 *   <li>{@code groupReadable}: {@code true} creates files 0640 in 0750 directories so the owner's group can
 *       read them (default {@code false}: 0600 files in 0700 directories, as logs may hold secrets).</li>
 * </ul>
 *
 * <p>File names come only from valid unikernel names ({@link Names}); any other name is replaced by
 * a stable hash, and every path is checked to stay inside the directory. Text lines escape control
 * characters and terminal escapes (see the text format in {@code TextLineEncoder}); JSON Lines escape
 * them as JSON {@code \\u} escapes. Writes are buffered per file (4 KiB, grown to 64 KiB for a busy file while
 * what all buffers grew by together stays within 16 MiB, so a thousand busy files hold at most 20 MiB, not
 * 64 MiB, between them) and reach the disk when a buffer fills, on {@link #flush()} (the monitor calls it as soon as the sink's queue has run empty, at most every
 * 0.1 ms, or up to 50 ms apart after a flush that cost much CPU, such as one writing a thousand files; and at
 * least every 100 ms under sustained load) and on close; records are never flushed one at a time.
 *
 * <p><b>Acknowledged</b> records: a record is acknowledged once a {@link #flush()} that began after it was
 * {@linkplain #accept accepted} has returned without an exception. Flushing hands the bytes to the
 * operating system ({@code write(2)}, no {@code fsync}), so an acknowledged record is in the file even if
 * the monitor is then killed with SIGKILL (it is not protected against a power loss or a kernel crash).
 * Records accepted but not yet acknowledged, and records still in the sink's queue, are lost with the
 * monitor; {@code MonitorKilledIT} checks that every acknowledged record survives a SIGKILL.
 *
 * <p>Errors (disk full, directory removed) are thrown from {@link #accept} or {@link #flush} as a
 * {@link RecordsLostException} that says how many buffered records were lost; a partly written line
 * is cut off again, and the next write tries again, so writing resumes by itself when space returns.
 *
 * <p>A file deleted or moved away while open (to free space, or by logrotate) is noticed, like rsyslog and
 * syslog-ng do: at most once a second, and after every failed write, the sink compares the open file with
 * the one at its path (device and inode) and, when they differ, closes it and starts a fresh file at the
 * path. {@link #reopen()} asks for the same at once (the CLI's {@code reopen} command and SIGHUP).
 *
 * @since 0.1
 */
// Over 500 lines because the acknowledged-record rule, exact loss counts on a failing disk and reopening
// a deleted or moved file all depend on one file's buffer, position and inode seen together on the sink
// thread; the nested LogFile holds that per-file state. Line formats live in TextLineEncoder and
// JsonRecordCodec.
@AutoService(LogSink.class)
public final class FileSink implements LogSink {

    /** The file format. */
    public enum Format {
        /** One readable, escaped line per record; files end in {@code .log}. */
        TEXT(".log"),
        /** One JSON object per line; files end in {@code .jsonl}. */
        JSON(".jsonl");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        public String extension() {
            return extension;
        }
    }

    public static final String ID = "file";
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_KEEP = 5;
    /** A quiet unikernel's file buffers little; a busy one's grows so it is written in large pieces. */
    private static final int FILE_BUFFER = 4 * 1024;
    private static final int BUSY_FILE_BUFFER = 64 * 1024;
    /**
     * What buffers may grow by, over all files: with a thousand busy files, 64 KiB each was 64 MiB of heap that no
     * budget counted (the largest part of the live heap with 1,000 senders); 64 busy files still get 64 KiB.
     */
    static final long GROWN_BUFFERS_LIMIT = 16L << 20;
    private long grownBufferBytes;

    /** What the files' buffers hold beyond their first 4 KiB each, in bytes (for tests of the bound). */
    long grownBufferBytes() {
        long sum = 0;
        for (LogFile f : files.values()) {
            sum += f.grownBy();
        }
        return sum;
    }
    /** Files kept open at most; beyond it the least recently used is flushed and closed (it reopens when needed). */
    static final int MAX_OPEN_FILES = 1024;
    private static final List<String> KNOWN = List.of("directory", "format", "maxBytes", "keep", "groupReadable");
    private boolean groupReadable;

    private Path directory;
    private Format format;
    private long maxBytes;
    private int keep;

    private final Map<String, LogFile> files = new LinkedHashMap<>(64, 0.75f, true);
    private final TextLineEncoder text = new TextLineEncoder();
    private JsonRecordCodec.Encoder json;
    private String lastName;
    private LogFile lastFile;
    private boolean opened;
    /** Set by {@link #reopen()} from any thread; the writing thread closes every file when it sees it. */
    private volatile boolean reopenRequested;
    private static final long IDENTITY_CHECK_NANOS = 1_000_000_000L;

    /** For {@link java.util.ServiceLoader}: configured in {@link #open} from the provider properties. */
    public FileSink() {
        this(null, Format.TEXT, DEFAULT_MAX_BYTES, DEFAULT_KEEP);
    }

    /** Text files under {@code directory} with the default rotation. */
    public FileSink(Path directory) {
        this(directory, Format.TEXT, DEFAULT_MAX_BYTES, DEFAULT_KEEP);
    }

    /**
     * @param directory where the files go (null: decided in {@link #open})
     * @param format text or JSON Lines
     * @param maxBytes size at which a file is rotated, 0 for never
     * @param keep rotated files kept per unikernel
     */
    public FileSink(Path directory, Format format, long maxBytes, int keep) {
        this.directory = directory;
        this.format = Objects.requireNonNull(format, "format");
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    @Override
    public String id() {
        return ID;
    }

    /** Opens without a provider context, for programmatic use outside a monitor. */
    public FileSink open() {
        if (directory == null) {
            throw new ConfigurationException("file sink has no directory: pass one to the constructor or set "
                    + "the 'file.directory' setting");
        }
        validateAndCreate(new ArrayList<>());
        return this;
    }

    @Override
    public void open(ProviderContext context) {
        context.rejectUnknownProperties(ID, KNOWN);
        List<String> problems = new ArrayList<>();
        context.property("directory").ifPresent(d -> directory = Path.of(d));
        if (directory == null) {
            directory = context.workDirectory().resolve("logs");
        }
        context.property("format").ifPresent(f -> {
            switch (f.trim().toLowerCase(Locale.ROOT)) {
                case "text" -> format = Format.TEXT;
                case "json", "jsonl", "json-lines" -> format = Format.JSON;
                default -> problems.add("format '" + f + "' is unknown: use 'text' or 'json'");
            }
        });
        context.property("maxBytes").ifPresent(v -> maxBytes = parseLong("maxBytes", v, problems));
        context.property("keep").ifPresent(v -> keep = (int) parseLong("keep", v, problems));
        context.property("groupReadable").ifPresent(v -> {
            switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> groupReadable = true;
                case "false" -> groupReadable = false;
                default -> problems.add("groupReadable '" + v + "' is neither true nor false");
            }
        });
        validateAndCreate(problems);
    }

    private static long parseLong(String key, String value, List<String> problems) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            problems.add(key + " '" + value + "' is not a whole number");
            return 0;
        }
    }

    private void validateAndCreate(List<String> problems) {
        if (maxBytes < 0) {
            problems.add("maxBytes " + maxBytes + " is negative: use 0 (never rotate) or a size in bytes");
        }
        if (keep < 0 || keep > 1000) {
            problems.add("keep " + keep + " is outside 0..1000");
        }
        if (problems.isEmpty()) {
            directory = directory.toAbsolutePath().normalize();
            try {
                if (PERMISSIONS_SUPPORTED) {
                    Files.createDirectories(directory, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString(groupReadable ? "rwxr-x---" : "rwx------")));
                } else {
                    Files.createDirectories(directory);
                }
            } catch (IOException e) {
                problems.add("directory '" + directory + "' cannot be created (" + e + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("file sink settings are invalid: " + String.join("; ", problems)
                    + ": fix the 'file.*' settings");
        }
        if (format == Format.JSON) {
            json = new JsonRecordCodec.Encoder();
        }
        opened = true;
    }

    public Path directory() {
        return directory;
    }

    public Format format() {
        return format;
    }

    /** The current file of unikernel {@code name} (it may not exist yet). */
    public Path fileOf(String name) {
        return resolveInside(directory, fileBaseName(name) + format.extension());
    }

    /**
     * Closes every open file before the next write, which then opens the file at its path afresh (after
     * logrotate without copytruncate, or after a log was deleted to free space). Safe from any thread.
     */
    public void reopen() {
        reopenRequested = true;
    }

    private void reopenIfRequested() {
        if (reopenRequested) {
            reopenRequested = false;
            closeAllFiles();
        }
    }

    @Override
    public void accept(LogRecord record) {
        if (!opened) {
            throw new IllegalStateException("file sink used before open(): call open() first");
        }
        reopenIfRequested();
        byte[] bytes;
        int length;
        if (format == Format.TEXT) {
            text.encode(record);
            bytes = text.buf;
            length = text.len;
        } else {
            json.encode(record);
            bytes = json.bytes();
            length = json.length();
        }
        String name = record.unikernel();
        LogFile file = lastFile;
        if (file == null || !name.equals(lastName)) {
            file = files.get(name);
            if (file == null) {
                if (files.size() >= MAX_OPEN_FILES) {
                    evictLeastRecentlyUsed();
                }
                file = new LogFile(name, fileOf(name));
                files.put(name, file);
            }
            lastName = name;
            lastFile = file;
        }
        file.write(bytes, length);
    }

    @Override
    public void flush() {
        RuntimeException first = null;
        long now = System.nanoTime();
        for (LogFile f : files.values()) {
            try {
                f.flush();
                f.checkIdentity(now, false);
            } catch (RuntimeException e) {
                // Every file's loss is counted: the others ride along as suppressed exceptions.
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        reopenIfRequested();
    }

    @Override
    public void close() {
        closeAllFiles();
    }

    private void evictLeastRecentlyUsed() {
        Iterator<LogFile> eldest = files.values().iterator();
        LogFile victim = eldest.next();
        eldest.remove();
        grownBufferBytes -= victim.grownBy();
        try {
            victim.flush();
        } finally {
            victim.closeQuietly();
        }
    }

    private void closeAllFiles() {
        try {
            flush();
        } finally {
            for (LogFile f : files.values()) {
                f.closeQuietly();
            }
            files.clear();
            grownBufferBytes = 0;
            lastFile = null;
            lastName = null;
        }
    }

    /** A file name for {@code unikernel} that cannot leave the directory. */
    static String fileBaseName(String unikernel) {
        if (Names.isValidUnikernelName(unikernel)) {
            return unikernel;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(
                    String.valueOf(unikernel).getBytes(StandardCharsets.UTF_8));
            return "invalid-name-" + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static Path resolveInside(Path directory, String fileName) {
        Path path = directory.resolve(fileName).normalize();
        if (!directory.equals(path.getParent())) {
            throw new IllegalStateException("log file name '" + fileName + "' would leave " + directory);
        }
        return path;
    }

    /** One unikernel's file: a write buffer, its size on disk, and rotation. */
    private final class LogFile {
        private final String unikernel;
        private final Path path;
        private FileOutputStream out;
        /** Device and inode of the open file, to notice it was deleted or replaced at {@code path}. */
        private Object openKey;
        private long nextIdentityCheck;
        private byte[] buffer = new byte[FILE_BUFFER];
        private int buffered;
        private int bufferedRecords;
        private long size = -1;

        LogFile(String unikernel, Path path) {
            this.unikernel = unikernel;
            this.path = path;
        }

        void write(byte[] bytes, int length) {
            try {
                if (size < 0) {
                    // Learn the size already on disk before the first record, so rotation counts it.
                    ensureOpen();
                }
                if (maxBytes > 0 && size >= 0 && size + buffered + length > maxBytes && size + buffered > 0) {
                    rotate();
                }
                if (buffered + length > buffer.length) {
                    writeOut();
                    int bigger = Math.min(buffer.length * 4, BUSY_FILE_BUFFER);
                    if (bigger > buffer.length && grownBufferBytes + bigger - buffer.length <= GROWN_BUFFERS_LIMIT) {
                        grownBufferBytes += bigger - buffer.length;
                        buffer = new byte[bigger];
                    }
                    if (length > buffer.length) {
                        writeDirect(bytes, length);
                        return;
                    }
                }
            } catch (RecordsLostException e) {
                // The record in hand is lost with the buffer.
                throw new RecordsLostException(unikernel, e.records() + 1, e.getMessage(), e.getCause());
            } catch (UncheckedIOException e) {
                // A failed rotation: the buffer was written out before it, so only the record in hand is lost.
                // Reported as the class promises for every write error; the next write tries again.
                throw new RecordsLostException(unikernel, 1, e.getMessage(), e.getCause());
            }
            System.arraycopy(bytes, 0, buffer, buffered, length);
            buffered += length;
            bufferedRecords++;
        }

        /** Bytes this file's buffer holds beyond the first {@link #FILE_BUFFER}. */
        int grownBy() {
            return buffer.length - FILE_BUFFER;
        }

        /** Empties the buffer and says how many records it held. */
        private int discard() {
            int records = bufferedRecords;
            buffered = 0;
            bufferedRecords = 0;
            return records;
        }

        private void ensureOpen() {
            if (out != null) {
                return;
            }
            try {
                createPrivately(path);
                out = new FileOutputStream(path.toFile(), true);
                size = out.getChannel().size();
                openKey = identity(path);
                nextIdentityCheck = System.nanoTime() + IDENTITY_CHECK_NANOS;
            } catch (IOException e) {
                int lost = discard();
                throw new RecordsLostException(unikernel, lost, "cannot open log file " + path + " (" + lost
                        + " buffered record(s) lost): " + e.getMessage(), e);
            }
        }

        private void writeDirect(byte[] bytes, int length) {
            ensureOpen();
            try {
                out.write(bytes, 0, length);
                size += length;
            } catch (IOException e) {
                undoPartialWrite();
                checkIdentity(System.nanoTime(), true);
                throw new RecordsLostException(unikernel, 0, "cannot write a " + length + "-byte record to log file "
                        + path + ": " + e.getMessage(), e);
            }
        }

        void writeOut() {
            if (buffered == 0) {
                return;
            }
            checkIdentity(System.nanoTime(), false);
            ensureOpen();
            int n = buffered;
            try {
                out.write(buffer, 0, n);
                size += n;
                discard();
            } catch (IOException e) {
                undoPartialWrite();
                IOException failure = e;
                if (checkIdentity(System.nanoTime(), true)) {
                    // The file was deleted or moved away (perhaps to free this very space): one more try into
                    // a fresh file at the path, so the records in hand are not lost to a file nobody reads.
                    ensureOpen();
                    try {
                        out.write(buffer, 0, n);
                        size += n;
                        discard();
                        return;
                    } catch (IOException again) {
                        undoPartialWrite();
                        failure = again;
                    }
                }
                int lost = discard();
                throw new RecordsLostException(unikernel, lost, "cannot write to log file " + path + " (" + lost
                        + " buffered record(s) lost): " + failure.getMessage(), failure);
            }
        }

        /**
         * Closes the file when the one at {@code path} is no longer the one open (deleted, moved), so the next
         * write starts a fresh file there and the old one's space is released. Unless {@code now} is asked
         * for, at most once a second.
         */
        boolean checkIdentity(long nowNanos, boolean now) {
            if (out == null || openKey == null || (!now && nowNanos - nextIdentityCheck < 0)) {
                return false;
            }
            nextIdentityCheck = nowNanos + IDENTITY_CHECK_NANOS;
            Object current = identity(path);
            if (current == null || !current.equals(openKey)) {
                // What is still buffered goes into the fresh file; the old one is left as it is.
                FileOutputStream old = out;
                out = null;
                size = -1;
                try {
                    old.close();
                } catch (IOException ignored) {
                    // it was deleted or moved: nothing more to write into it
                }
                return true;
            }
            return false;
        }

        void flush() {
            writeOut();
        }

        /**
         * A write that failed half way (disk full) may have left part of a line; cut the file back to
         * its last whole line so that, once writing resumes, no line is glued to a fragment.
         */
        private void undoPartialWrite() {
            try {
                out.getChannel().truncate(size);
            } catch (IOException | RuntimeException e) {
                closeQuietly();
            }
        }

        private void rotate() {
            writeOut();
            closeQuietly();
            try {
                if (keep == 0) {
                    Files.deleteIfExists(path);
                } else {
                    Files.deleteIfExists(rotated(keep));
                    for (int i = keep - 1; i >= 1; i--) {
                        Path from = rotated(i);
                        if (Files.exists(from)) {
                            Files.move(from, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                    if (Files.exists(path)) {
                        Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot rotate log file " + path + ": " + e.getMessage(), e);
            } finally {
                size = 0;
            }
        }

        private Path rotated(int index) {
            return resolveInside(directory, path.getFileName() + "." + index);
        }

        void closeQuietly() {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the data is already counted as written or reported as lost
                }
                out = null;
                size = -1;
            }
        }
    }

    private static final boolean PERMISSIONS_SUPPORTED =
            java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    /** Creates a missing log file 0600 (0640 when group-readable) before it is opened for appending. */
    private void createPrivately(Path file) throws IOException {
        if (!PERMISSIONS_SUPPORTED || Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString(groupReadable ? "rw-r-----" : "rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // created meanwhile: append to it as it is
        }
    }

    /** Device and inode of the file at {@code path} (its file key), or null when there is none. */
    private static Object identity(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
