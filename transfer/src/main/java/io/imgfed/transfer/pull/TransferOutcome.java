package io.imgfed.transfer.pull;

import java.util.Map;

/**
 * How a transfer ended, as billing and metrics need it: every byte moved across DCs by source (retries and
 * discarded generations included), attempts, times, and the error of a failure.
 */
public record TransferOutcome(
        String transferId,
        FileRequest request,
        String destDc,
        boolean completed,
        Map<String, Long> bytesBySource,
        String lastSource,
        int attempts,
        long startedAtMillis,
        long finishedAtMillis,
        String error) {

    public long totalBytes() {
        return bytesBySource.values().stream().mapToLong(Long::longValue).sum();
    }
}
