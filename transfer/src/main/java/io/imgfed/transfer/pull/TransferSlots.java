package io.imgfed.transfer.pull;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * At most {@code transfer.maxConcurrent} transfers run at once; the others wait here in arrival order. Any thread.
 */
final class TransferSlots {
    private final int max;
    private final Deque<Transfer> waiting = new ArrayDeque<>();
    private int running;

    TransferSlots(int max) {
        this.max = max;
    }

    /** Whether {@code t} may start now (it holds a slot until {@link #release}); if not, it waits its turn. */
    synchronized boolean take(Transfer t) {
        if (running >= max) {
            waiting.add(t);
            return false;
        }
        running++;
        return true;
    }

    /** A transfer ended: its slot goes to the longest waiting one, returned to be started (or null). */
    synchronized Transfer release() {
        Transfer next = waiting.poll();
        if (next == null) {
            running--;
        }
        return next;
    }
}
