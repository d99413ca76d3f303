package io.imgfed.transfer.pull;

import org.slf4j.MDC;

/**
 * Log lines about a transfer carry its id and the id of the request that started it (MDC keys
 * {@code transfer_id} and {@code request_id}, separate fields in JSON logs), so one provision can be followed
 * from the requesting DC to the source DC, which logs the same request id.
 */
public final class TransferLog {
    public static final String REQUEST_ID = "request_id";
    public static final String TRANSFER_ID = "transfer_id";

    private final String requestId;
    private final String transferId;

    private TransferLog(String requestId, String transferId) {
        this.requestId = requestId;
        this.transferId = transferId;
    }

    public static TransferLog of(Transfer t) {
        return new TransferLog(t.request().requestId(), t.id());
    }

    /** Context for log lines about one request that is not (yet) a transfer. */
    public static TransferLog request(String requestId) {
        return new TransferLog(requestId, null);
    }

    /** Runs a logging call with the ids in the MDC, restoring what was there before. */
    public void run(Runnable log) {
        String oldRequest = MDC.get(REQUEST_ID);
        String oldTransfer = MDC.get(TRANSFER_ID);
        try {
            put(REQUEST_ID, requestId);
            put(TRANSFER_ID, transferId);
            log.run();
        } finally {
            put(REQUEST_ID, oldRequest);
            put(TRANSFER_ID, oldTransfer);
        }
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
