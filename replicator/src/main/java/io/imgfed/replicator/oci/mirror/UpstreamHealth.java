package io.imgfed.replicator.oci.mirror;

import io.imgfed.transfer.pull.SourceBackoff;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How each upstream, and each reference fetched from one, has fared: after a failure it rests (exponential
 * backoff from 1 s to 10 min, the transfer engine's {@link SourceBackoff}), and after {@code errorAfter}
 * failures in a row it is in the {@code error} state until a success. A request for something resting is
 * answered at once from the cache, or refused (503) without touching the upstream.
 */
public final class UpstreamHealth {
    public static final Duration INITIAL = Duration.ofSeconds(1);
    public static final Duration MAX = Duration.ofMinutes(10);

    /** One key's record: failures in a row, the last error, and until when it rests. */
    public record State(String key, int failures, String lastError, long restsUntilMillis, boolean error) {
    }

    private final SourceBackoff backoff;
    private final int errorAfter;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    public UpstreamHealth(int errorAfter) {
        this(errorAfter, INITIAL, MAX);
    }

    UpstreamHealth(int errorAfter, Duration initial, Duration max) {
        this.backoff = new SourceBackoff(initial, max, System::nanoTime);
        this.errorAfter = errorAfter;
    }

    /** Zero when every key may be tried now, else how long until all may. */
    public Duration resting(String... keys) {
        Duration longest = Duration.ZERO;
        for (String k : keys) {
            Duration d = backoff.remaining(k);
            longest = d.compareTo(longest) > 0 ? d : longest;
        }
        return longest;
    }

    public void failed(String why, String... keys) {
        for (String k : keys) {
            Duration rest = backoff.failed(k);
            states.merge(k, new State(k, 1, why, System.currentTimeMillis() + rest.toMillis(), errorAfter <= 1),
                    (old, n) -> new State(k, old.failures() + 1, why, n.restsUntilMillis(), old.failures() + 1 >= errorAfter));
        }
    }

    public void succeeded(String... keys) {
        for (String k : keys) {
            backoff.succeeded(k);
            states.remove(k);
        }
    }

    public State state(String key) {
        return states.get(key);
    }

    /** Every key with failures, sorted by key. */
    public Map<String, State> snapshot() {
        return new TreeMap<>(states);
    }
}
