package io.imgfed.transfer.pull;

import io.imgfed.transfer.store.PartialFile;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The one pump each running transfer has at most, feeding its partial file from its source; and the rate limit per
 * source DC ({@code transfer.rateLimit}), which every pump from that DC shares.
 */
final class SourcePumps {
    private final Vertx vertx;
    private final TransferPolicy policy;
    private final Map<String, SourcePump> pumps = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();

    SourcePumps(Vertx vertx, TransferPolicy policy) {
        this.vertx = vertx;
        this.policy = policy;
    }

    /** Starts pumping {@code stream} into {@code file}; {@code ended} hears how it ended (transfer context). */
    void start(Transfer t, SourceCandidate source, PartialFile file, PeerFetcher.SourceStream stream,
            BiConsumer<SourcePump, SourcePump.End> ended) {
        RateLimiter limiter = policy.rateLimit() > 0
                ? limiters.computeIfAbsent(source.dc(), d -> new RateLimiter(policy.rateLimit(), System::nanoTime)) : null;
        SourcePump p = new SourcePump(vertx, t.context(), t, source, file, stream, limiter, policy.stallTimeout(),
                (pump, end) -> {
                    pumps.remove(t.id(), pump);
                    ended.accept(pump, end);
                });
        pumps.put(t.id(), p);
        p.start();
    }

    /** Stops the transfer's pump, if it has one; it reports no end. */
    void stop(Transfer t) {
        SourcePump p = pumps.remove(t.id());
        if (p != null) {
            p.stop();
        }
    }
}
