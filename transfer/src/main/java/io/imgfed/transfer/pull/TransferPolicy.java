package io.imgfed.transfer.pull;

import java.time.Duration;

/**
 * How pulls behave: how many at once, how failing sources back off, how many attempts before a pull is
 * failed, the per-link rate limit (0 = none), and how long silence from a source may last before it is
 * treated as gone mid-transfer.
 */
public record TransferPolicy(int maxConcurrent, Duration retryInitial, Duration retryMax, int attempts, long rateLimit,
        Duration stallTimeout) {
}
