package io.umonitor.api;

import java.util.Objects;
import java.util.UUID;

/**
 * Which run of which launch a record came from, so that records of many hosts, whose guests may share
 * names, stay apart once they leave the monitor (files, the live stream, OpenTelemetry, syslog).
 *
 * <p>A <em>launch id</em> names one run: every start of the guest's host process gets a new one, a restart
 * by the restart policy included (as OpenTelemetry's {@code service.instance.id} changes when a process
 * restarts). {@code restart} counts the runs of one {@code Monitor.launch}: 0 for the first, 1 after the
 * first restart, and so on; name, host and restart number together tell which runs belong together.
 *
 * <p>One instance is shared by every record of a run: a record holds a reference, not a copy.
 *
 * @param launchId a random UUID in text form; empty when the record belongs to no run (attached senders,
 *     records read from files written before launch ids existed, records made by hand)
 * @param restart 0 for the first run of a launch, n after the n-th restart; 0 when {@code launchId} is empty
 * @param backend the backend id that ran it ({@code solo5-hvt}, {@code qemu}, ...); empty when unknown
 * @param imageDigest {@code sha256:} and the hex SHA-256 of the image file as the run started it; empty
 *     when unknown
 * @since 0.2
 */
public record LaunchIdentity(String launchId, int restart, String backend, String imageDigest) {

    /** Not from any run. */
    public static final LaunchIdentity NONE = new LaunchIdentity("", 0, "", "");

    public LaunchIdentity {
        Objects.requireNonNull(launchId, "launchId");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(imageDigest, "imageDigest");
        if (restart < 0) {
            throw new IllegalArgumentException("restart must be 0 or more, not " + restart);
        }
        if (launchId.isEmpty() && restart != 0) {
            throw new IllegalArgumentException("a record without launch id has restart 0, not " + restart);
        }
    }

    /** A fresh identity for run number {@code restart} of a launch. */
    public static LaunchIdentity newRun(int restart, String backend, String imageDigest) {
        return new LaunchIdentity(UUID.randomUUID().toString(), restart, backend, imageDigest);
    }

    /** Whether the record belongs to a run (its launch id is not empty). */
    public boolean isKnown() {
        return !launchId.isEmpty();
    }
}
