package io.umonitor.protocol.trace;

import io.umonitor.protocol.RecordFrame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * The call trees that TRACE records describe, one per guest thread ({@code trace.thread}), from one
 * session's records in sequence order. Lost records do not derail it: the depth each record carries
 * puts the next call back in its place, and a call whose exit never came is kept and marked.
 *
 * <pre>{@code
 * CallTree tree = CallTree.build(records, AddressSymbolizer.forImage(image));
 * System.out.print(tree.render());
 * // main (server.c:80)
 * //   handle_request (server.c:42)
 * //     parse (server.c:12)
 * }</pre>
 *
 * @since 0.1
 */
public final class CallTree {
    /**
     * One call.
     *
     * @param function what was called
     * @param thread the guest thread that made the call (0 when the records do not say)
     * @param enterNanos timestamp of the entry record
     * @param exitNanos timestamp of the exit record, empty when it never arrived
     * @param children the calls it made, in order
     */
    public record Call(ResolvedAddress function, long thread, long enterNanos, Optional<Long> exitNanos,
            List<Call> children) {
        public Call {
            children = List.copyOf(children);
        }
    }

    private final List<Call> roots;

    private CallTree(List<Call> roots) {
        this.roots = List.copyOf(roots);
    }

    /** Builds the tree, resolving every function address with one batch of lookups. */
    public static CallTree build(List<RecordFrame> records, AddressSymbolizer symbolizer) {
        List<TraceEvent> events = events(records);
        Set<Long> addresses = new LinkedHashSet<>();
        events.forEach(e -> addresses.add(e.function()));
        symbolizer.resolveAll(addresses);
        return fromEvents(events, symbolizer::resolve);
    }

    /** Builds the tree with any resolver (tests, or a host with another symbol source). */
    public static CallTree build(List<RecordFrame> records, LongFunction<ResolvedAddress> resolver) {
        return fromEvents(events(records), resolver);
    }

    private static List<TraceEvent> events(List<RecordFrame> records) {
        List<TraceEvent> events = new ArrayList<>();
        for (RecordFrame r : records) {
            TraceEvent.of(r).ifPresent(events::add);
        }
        return events;
    }

    private static CallTree fromEvents(List<TraceEvent> events, LongFunction<ResolvedAddress> resolver) {
        List<Open> roots = new ArrayList<>();
        Map<Long, Deque<Open>> stacks = new HashMap<>();
        for (TraceEvent e : events) {
            Deque<Open> stack = stacks.computeIfAbsent(e.thread(), t -> new ArrayDeque<>());
            if (e.enter()) {
                while (!stack.isEmpty() && stack.peek().event.depth() >= e.depth()) {
                    stack.pop();  // its exit was lost
                }
                Open call = new Open(e);
                (stack.isEmpty() ? roots : stack.peek().children).add(call);
                stack.push(call);
            } else {
                while (!stack.isEmpty() && stack.peek().event.depth() > e.depth()) {
                    stack.pop();
                }
                if (!stack.isEmpty() && stack.peek().event.depth() == e.depth()
                        && stack.peek().event.function() == e.function()) {
                    stack.pop().exitNanos = e.timestampNanos();
                }
                // else: an exit whose entry was lost; nothing to attach it to
            }
        }
        // Each thread's calls together, threads in the order they first appear.
        Map<Long, List<Call>> byThread = new LinkedHashMap<>();
        for (Open o : roots) {
            byThread.computeIfAbsent(o.event.thread(), t -> new ArrayList<>()).add(o.freeze(resolver));
        }
        List<Call> calls = new ArrayList<>();
        byThread.values().forEach(calls::addAll);
        return new CallTree(calls);
    }

    /** The outermost calls: each thread's in order, threads in the order they first appear. */
    public List<Call> roots() {
        return roots;
    }

    /**
     * One line per call, indented two spaces per level, with source locations where known; with more
     * than one thread, each thread's calls follow a {@code thread N} line.
     */
    public String render() {
        return render(true);
    }

    /** As {@link #render()}; {@code withLocations = false} prints function names only. */
    public String render(boolean withLocations) {
        StringBuilder out = new StringBuilder();
        boolean threaded = roots.stream().map(Call::thread).distinct().count() > 1;
        Long current = null;
        for (Call c : roots) {
            if (threaded && (current == null || current != c.thread())) {
                current = c.thread();
                out.append("thread ").append(current).append('\n');
            }
            render(c, threaded ? 1 : 0, withLocations, out);
        }
        return out.toString();
    }

    private static void render(Call call, int level, boolean withLocations, StringBuilder out) {
        out.append("  ".repeat(level))
                .append(withLocations ? call.function().toString() : call.function().function());
        if (call.exitNanos().isEmpty()) {
            out.append(" [no exit]");
        }
        out.append('\n');
        for (Call child : call.children()) {
            render(child, level + 1, withLocations, out);
        }
    }

    private static final class Open {
        final TraceEvent event;
        final List<Open> children = new ArrayList<>();
        Long exitNanos;

        Open(TraceEvent event) {
            this.event = event;
        }

        Call freeze(LongFunction<ResolvedAddress> resolver) {
            List<Call> kids = new ArrayList<>();
            for (Open o : children) {
                kids.add(o.freeze(resolver));
            }
            return new Call(resolver.apply(event.function()), event.thread(), event.timestampNanos(),
                    Optional.ofNullable(exitNanos), kids);
        }
    }
}
