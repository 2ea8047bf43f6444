package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UmonitorClientSymbolsTest {

    @Test
    void theCAndOcamlClientsAreRecognisedByTheirFunctionNames() {
        assertTrue(UmonitorClientSymbols.isClientSymbol("umon_solo5_init_console"));
        assertTrue(UmonitorClientSymbols.isClientSymbol("umon_client_open"));
        assertTrue(UmonitorClientSymbols.isClientSymbol("camlUmonitor_log__Session__create_412"));
        assertTrue(UmonitorClientSymbols.isClientSymbol("camlUmonitor_log_mirage$connect_88"));
        assertFalse(UmonitorClientSymbols.isClientSymbol("solo5_app_main"));
        assertFalse(UmonitorClientSymbols.isClientSymbol("camlLogs__report_100"));
        assertFalse(UmonitorClientSymbols.isClientSymbol("humon_x"));
    }

    @Test
    void anImageThatIsNoElfLinksNoClient(@TempDir Path dir) throws Exception {
        Path notElf = Files.writeString(dir.resolve("kernel.spt"), "#!/bin/sh\necho not a unikernel\n");
        assertFalse(UmonitorClientSymbols.linkedInto(notElf));
        assertFalse(UmonitorClientSymbols.linkedInto(dir.resolve("missing.spt")));
    }

    @Test
    void solo5sOwnTestKernelLinksNoClient() {
        Path testHello = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        assertFalse(UmonitorClientSymbols.linkedInto(testHello), testHello + " is Solo5's own test, without the client");
    }
}
