package io.umonitor.core.internal.collect;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.CollectorInput;
import io.umonitor.api.spi.CollectorSender;
import io.umonitor.core.internal.log.SenderState;
import java.util.List;

/** The collectors' {@link Ingest} as a {@link io.umonitor.api.spi.CollectorExtension} sees it. */
public final class IngestInput implements CollectorInput {
    private final Ingest ingest;

    public IngestInput(Ingest ingest) {
        this.ingest = ingest;
    }

    @Override
    public CollectorSender sender(String name, boolean launchedOnly) {
        return ingest.senderNamed(name, launchedOnly);
    }

    @Override
    public void rejected(CollectorSender sender, LogOrigin origin, String peer, String reason) {
        // Only this hub hands out senders, so every one is a SenderState.
        ingest.rejected((SenderState) sender, origin, peer, reason);
    }

    @Override
    public void rejectedUnattributed(LogOrigin origin, String peer, String reason) {
        ingest.rejectedUnattributed(origin, peer, reason);
    }

    @Override
    public void dispatch(List<LogRecord> records, boolean flowControlled) {
        ingest.dispatch(records, flowControlled);
    }

    @Override
    public boolean awaitRoom(long timeoutMillis) throws InterruptedException {
        return ingest.awaitTcpRoom(timeoutMillis);
    }
}
