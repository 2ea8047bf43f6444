package io.umonitor.core.sink;

import io.umonitor.api.UmonitorException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sink could not store records it had already accepted (e.g. a buffer that failed to reach a full
 * disk). Sinks throw it from {@code accept} or {@code flush} so that the monitor counts every lost
 * record against its unikernel, not just one per failure; any other exception counts as one record.
 *
 * @since 0.1
 */
public class RecordsLostException extends UmonitorException {
    private final Map<String, Long> lostByUnikernel;

    /**
     * @param unikernel whose records were lost
     * @param records how many (at least 1)
     */
    public RecordsLostException(String unikernel, long records, String message, Throwable cause) {
        super(message, cause);
        Map<String, Long> one = new LinkedHashMap<>();
        one.put(unikernel, Math.max(1, records));
        this.lostByUnikernel = java.util.Collections.unmodifiableMap(one);
    }

    /**
     * For a sink whose lost batch held records of several unikernels (an exporter that sends many
     * unikernels' records in one request): each is counted against its own unikernel.
     *
     * @param lostByUnikernel records lost per unikernel name (counts of at least 1; not empty)
     */
    public RecordsLostException(Map<String, Long> lostByUnikernel, String message, Throwable cause) {
        super(message, cause);
        if (lostByUnikernel.isEmpty()) {
            throw new IllegalArgumentException("lostByUnikernel is empty: throw only when records were lost");
        }
        Map<String, Long> copy = new LinkedHashMap<>();
        lostByUnikernel.forEach((name, n) -> copy.put(name, Math.max(1, n)));
        this.lostByUnikernel = java.util.Collections.unmodifiableMap(copy);
    }

    /** The first (for the single-unikernel constructor, the only) unikernel whose records were lost. */
    public String unikernel() {
        return lostByUnikernel.keySet().iterator().next();
    }

    /** Records lost of {@link #unikernel()}. */
    public long records() {
        return lostByUnikernel.values().iterator().next();
    }

    /** Records lost per unikernel, in the order the sink named them. */
    public Map<String, Long> lostByUnikernel() {
        return lostByUnikernel;
    }
}
