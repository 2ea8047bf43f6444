package io.umonitor.protocol.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.protocol.RecordFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallTreeTest {
    static final Map<Long, String> NAMES = Map.of(0x10L, "main", 0x20L, "handle", 0x30L, "parse", 0x40L, "leaf");

    private final List<RecordFrame> records = new ArrayList<>();

    private void event(String kind, long fn, long depth) {
        event(kind, fn, depth, 1);
    }

    private void event(String kind, long fn, long depth, long thread) {
        records.add(new RecordFrame(records.size(), GuestClock.MONOTONIC, records.size() * 100L, LogLevel.TRACE,
                "trace", kind, List.of(
                        Attribute.of("trace.event", kind),
                        new Attribute("trace.fn", new AttributeValue.UInt(fn)),
                        new Attribute("trace.caller", new AttributeValue.UInt(fn + 1)),
                        new Attribute("trace.depth", new AttributeValue.Int(depth)),
                        new Attribute("trace.thread", new AttributeValue.UInt(thread)))));
    }

    private String render() {
        return CallTree.build(records, a -> new ResolvedAddress(a, NAMES.get(a), 0, "x.c", (int) a)).render(false);
    }

    @Test
    void nestedCallsBecomeATree() {
        event("enter", 0x10, 0);
        event("enter", 0x20, 1);
        event("enter", 0x30, 2);
        event("exit", 0x30, 2);
        event("exit", 0x20, 1);
        event("enter", 0x20, 1);
        event("exit", 0x20, 1);
        event("exit", 0x10, 0);
        assertEquals("main\n  handle\n    parse\n  handle\n", render());
    }

    @Test
    void aLostExitIsMarkedAndTheDepthPutsTheNextCallInPlace() {
        event("enter", 0x10, 0);
        event("enter", 0x20, 1);
        event("enter", 0x30, 2);
        // exit of parse and of handle lost
        event("enter", 0x20, 1);
        event("exit", 0x20, 1);
        event("exit", 0x10, 0);
        assertEquals("main\n  handle [no exit]\n    parse [no exit]\n  handle\n", render());
    }

    @Test
    void aLostEntryDropsOnlyItsExit() {
        event("enter", 0x10, 0);
        event("exit", 0x40, 1);  // its enter was lost
        event("enter", 0x40, 1);
        event("exit", 0x40, 1);
        event("exit", 0x10, 0);
        assertEquals("main\n  leaf\n", render());
    }

    @Test
    void recordsWithoutTraceAttributesAreIgnored() {
        records.add(RecordFrame.of(0, 1, LogLevel.INFO, "app", "hello"));
        event("enter", 0x10, 0);
        event("exit", 0x10, 0);
        CallTree tree = CallTree.build(records, a -> new ResolvedAddress(a, NAMES.get(a), 0, "/src/x.c", 7));
        assertEquals("main (x.c:7)\n", tree.render());
        assertEquals(1, tree.roots().size());
        assertTrue(tree.roots().get(0).exitNanos().isPresent());
    }

    @Test
    void interleavedThreadsGetATreeEach() {
        event("enter", 0x10, 0, 1);
        event("enter", 0x20, 0, 2);
        event("enter", 0x30, 1, 1);
        event("enter", 0x40, 1, 2);
        event("exit", 0x30, 1, 1);
        event("exit", 0x40, 1, 2);
        event("exit", 0x20, 0, 2);
        event("exit", 0x10, 0, 1);
        assertEquals("thread 1\n  main\n    parse\nthread 2\n  handle\n    leaf\n", render());
    }

    @Test
    void addr2lineLocationsAreParsed() {
        assertArrayEquals(new String[] {"/a/b.c", "42"}, AddressSymbolizer.parseLocation("/a/b.c:42"));
        assertArrayEquals(new String[] {"/a/b.c", "42"},
                AddressSymbolizer.parseLocation("/a/b.c:42 (discriminator 3)"));
        assertNull(AddressSymbolizer.parseLocation("??:0"));
        assertNull(AddressSymbolizer.parseLocation("/a/b.c:?"));
    }
}
