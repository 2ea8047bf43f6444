package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The library's fixes, said with the flags a command-line user has. */
class CliErrorsTest {

    @Test
    void javaCallsBecomeFlags() {
        assertEquals("choose one with --backend ID (e.g. --backend process)",
                CliErrors.forCommandLine("choose one with UnikernelSpec.builder(...).backend(\"ID\")"));
        assertEquals("the command line does not attach it: add --block storage=PATH",
                CliErrors.forCommandLine("the spec does not attach it: add a BlockDeviceSpec named 'storage'"));
        assertEquals("add --net service0", CliErrors.forCommandLine("add NetworkSpec.tap(\"service0\")"));
        assertEquals("solo5_abort() called: raise --mem (now --mem 4)",
                CliErrors.forCommandLine("solo5_abort() called: raise the unikernel's memoryMb (now 4 MB)"));
        assertEquals("--mem -3: use 0 for the backend default", CliErrors.forCommandLine("memoryMb is -3: use 0 for the backend default"));
    }

    @Test
    void messagesBecomeOneLine() {
        assertEquals("failed; last console lines:; a; b", CliErrors.forCommandLine("failed; last console lines:\n  a\n  b"));
    }
}
