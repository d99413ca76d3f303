package io.imgfed.transfer.pull;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;

/** Transfers that ended lately, newest first, for {@code /transfers}: at most {@code max}, for at most {@code millis}. */
final class RecentTransfers {
    private final int max;
    private final long millis;
    private final Deque<Transfer> ended = new ArrayDeque<>();

    RecentTransfers(int max, long millis) {
        this.max = max;
        this.millis = millis;
    }

    synchronized void add(Transfer t) {
        ended.addFirst(t);
        while (ended.size() > max) {
            ended.removeLast();
        }
    }

    /** Adds the recent ones to {@code out}. */
    synchronized void addTo(Collection<Transfer> out) {
        long cutoff = System.currentTimeMillis() - millis;
        for (Transfer t : ended) {
            if (t.finishedAtMillis() >= cutoff) {
                out.add(t);
            }
        }
    }
}
