package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MirageBuilder's machinery with stand-in shell scripts for mirage, opam and make (the real mirage tool
 * is not installable on the machines this runs on; MirageBuilderIT uses it where it is): the steps run
 * in order in a copy of the sources, their output becomes records, builds are reused by content hash.
 */
class MirageBuilderStandInToolsTest {

    @TempDir
    Path dir;

    private Path tools;
    private Path source;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void standInTools() throws IOException {
        tools = Files.createDirectories(dir.resolve("bin"));
        Path log = dir.resolve("steps.log");
        script(tools.resolve("mirage"), "echo \"mirage $*\" >> " + log + "\necho configuring for $3\n"
                + "echo 'a warning' >&2\n"
                + "printf 'build:\\n\\tmkdir -p dist && cp unikernel.ml dist/hello.%s\\n"
                + "depend:\\n\\techo depending\\n' \"$3\" > Makefile\n");
        script(tools.resolve("make"), "echo \"make $*\" >> " + log + "\nexec /usr/bin/make \"$@\"\n");
        script(tools.resolve("opam"), "exit 0\n");
        source = Files.createDirectories(dir.resolve("hello"));
        Files.writeString(source.resolve("config.ml"), "(* config *)\n");
        Files.writeString(source.resolve("unikernel.ml"), "let start () = ()\n");
    }

    private List<String> steps() throws IOException {
        Path log = dir.resolve("steps.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void runsTheThreeStepsAndReusesTheBuild() throws IOException {
        MirageBuilder builder = MirageBuilder.create(dir.resolve("cache")).withSearchPath(tools.toString());
        MirageBuilder.Result first = builder.build("hello", source, "spt", records::add);
        assertFalse(first.reused());
        assertEquals("hello.spt", first.image().getFileName().toString());
        assertEquals("let start () = ()\n", Files.readString(first.image()));
        assertEquals(List.of("mirage configure -t spt", "make depend", "make build"), steps());
        assertFalse(Files.exists(source.resolve("Makefile")), "the source directory is left alone");

        assertTrue(records.stream().allMatch(r -> r.unikernel().equals("hello") && r.origin() == LogOrigin.MONITOR
                && r.logger().equals("mirage-build")), records.toString());
        assertTrue(records.stream().anyMatch(r -> r.message().equals("configuring for spt")), records.toString());
        assertTrue(records.stream().anyMatch(r -> r.message().equals("a warning") && r.level() == LogLevel.WARN),
                records.toString());
        assertTrue(records.stream().anyMatch(r -> r.message().equals("depending")), records.toString());

        MirageBuilder.Result second = builder.build("hello", source, "spt", records::add);
        assertTrue(second.reused());
        assertEquals(first.image(), second.image());
        assertEquals(3, steps().size(), "nothing ran again");

        MirageBuilder.Result hvt = builder.build("hello", source, "hvt", records::add);
        assertFalse(hvt.reused());
        assertEquals("hello.hvt", hvt.image().getFileName().toString());
    }

    @Test
    void theHashFollowsTheSourcesButNotWhatMirageGenerates() throws IOException {
        MirageBuilder builder = MirageBuilder.create(dir.resolve("cache"));
        String before = builder.sourceHash(source, Tender.SPT);
        Files.createDirectories(source.resolve("_build"));
        Files.writeString(source.resolve("_build/x.o"), "object");
        Files.createDirectories(source.resolve("dist"));
        Files.writeString(source.resolve("dist/hello.spt"), "image");
        Files.writeString(source.resolve("Makefile"), "generated");
        assertEquals(before, builder.sourceHash(source, Tender.SPT));
        assertNotEquals(before, builder.sourceHash(source, Tender.HVT));
        Files.writeString(source.resolve("unikernel.ml"), "let start () = print_endline \"changed\"\n");
        assertNotEquals(before, builder.sourceHash(source, Tender.SPT));
    }

    @Test
    void aFailingStepSaysWhichWithItsOutput() throws IOException {
        script(tools.resolve("make"), "echo 'Error: Unbound module Foo' >&2\nexit 2\n");
        MirageBuilder builder = MirageBuilder.create(dir.resolve("cache")).withSearchPath(tools.toString());
        LaunchException e = assertThrows(LaunchException.class, () -> builder.build("hello", source, "spt", records::add));
        assertTrue(e.getMessage().contains("failed at 'make depend' (exit code 2)")
                && e.getMessage().contains("Unbound module Foo"), e.getMessage());
        assertTrue(records.stream().anyMatch(r -> r.level() == LogLevel.ERROR), records.toString());
    }

    @Test
    void missingToolsAreNamedWithTheFix() {
        MirageBuilder builder = MirageBuilder.create(dir.resolve("cache")).withSearchPath(dir.resolve("empty").toString());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> builder.build("hello", source, "spt", records::add));
        assertTrue(e.getMessage().contains("mirage, opam, make not found") && e.getMessage().contains("opam init")
                && e.getMessage().contains("opam install 'mirage>=4'"), e.getMessage());
    }

    @Test
    void refusesABadTargetOrADirectoryWithoutConfigMl() {
        MirageBuilder builder = MirageBuilder.create(dir.resolve("cache")).withSearchPath(tools.toString());
        assertTrue(assertThrows(ConfigurationException.class, () -> builder.build("hello", source, "xen", records::add))
                .getMessage().contains("use hvt or spt"));
        assertTrue(assertThrows(ConfigurationException.class, () -> builder.build("hello", dir, "spt", records::add))
                .getMessage().contains("no config.ml"));
    }
}
