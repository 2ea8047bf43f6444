package io.umonitor.api.spi;

import java.util.Objects;

/**
 * A backend's verdict on an image it was shown: whether it is the kind of image this backend runs, and
 * why (e.g. "an ELF executable for this host (x86_64)", "a Solo5 image built for spt"). The monitor
 * uses the verdicts to choose a backend for a unikernel that names none: the one usable backend that
 * recognises the image.
 *
 * @param verdict what the backend made of the image
 * @param reason one phrase saying what the image is or is not, shown to users when the choice fails
 * @since 0.2
 */
public record ImageRecognition(Verdict verdict, String reason) {

    /** What a backend made of an image. */
    public enum Verdict {
        /** The image is of the kind this backend runs. */
        RECOGNISED,
        /** The image is not of the kind this backend runs. */
        NOT_RECOGNISED,
        /** The backend does not look at images (the default for backends written before 0.2). */
        CANNOT_TELL
    }

    private static final ImageRecognition CANNOT_TELL =
            new ImageRecognition(Verdict.CANNOT_TELL, "this backend does not inspect images");

    public ImageRecognition {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(reason, "reason");
    }

    public static ImageRecognition recognised(String reason) {
        return new ImageRecognition(Verdict.RECOGNISED, reason);
    }

    public static ImageRecognition notRecognised(String reason) {
        return new ImageRecognition(Verdict.NOT_RECOGNISED, reason);
    }

    public static ImageRecognition cannotTell() {
        return CANNOT_TELL;
    }

    public boolean isRecognised() {
        return verdict == Verdict.RECOGNISED;
    }
}
