package io.imgfed.protocol.billing;

import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cross-DC bytes per owner and per DC pair, from events that may arrive more than once: duplicates (same
 * {@code event_id}) are counted once. Events outside {@code [from, to)} by completion time are skipped.
 */
public final class BillingTotals {
    /** Bytes and events of one owner or one DC pair. */
    public record Line(long bytes, long events, long failedEvents) {
        Line plus(TransferEvent e) {
            return new Line(bytes + e.bytes(), events + 1, failedEvents + (e.type() == TransferEvent.Type.FAILED ? 1 : 0));
        }
    }

    private final Instant from;
    private final Instant to;
    private final Set<String> seen = new HashSet<>();
    private final Map<String, Line> byOwner = new TreeMap<>();
    private final Map<String, Line> byLink = new TreeMap<>();
    private long duplicates;
    private long outOfRange;
    private long totalBytes;

    public BillingTotals(Instant from, Instant to) {
        this.from = from;
        this.to = to;
    }

    /** Counts an event; returns false for a duplicate or one outside the range. */
    public boolean add(TransferEvent e) {
        if (!seen.add(e.eventId())) {
            duplicates++;
            return false;
        }
        if ((from != null && e.completedAt().isBefore(from)) || (to != null && !e.completedAt().isBefore(to))) {
            outOfRange++;
            return false;
        }
        String owner = e.owner() == null ? "(none)" : e.owner();
        byOwner.merge(owner, new Line(0, 0, 0).plus(e), (a, b) -> a.plus(e));
        String link = (e.sourceDc() == null ? "(none)" : e.sourceDc()) + " -> " + e.destDc();
        byLink.merge(link, new Line(0, 0, 0).plus(e), (a, b) -> a.plus(e));
        totalBytes += e.bytes();
        return true;
    }

    public Map<String, Line> byOwner() {
        return Map.copyOf(byOwner);
    }

    /** Keyed {@code "<source> -> <dest>"}. */
    public Map<String, Line> byLink() {
        return Map.copyOf(byLink);
    }

    public long duplicates() {
        return duplicates;
    }

    public long outOfRange() {
        return outOfRange;
    }

    public long counted() {
        return seen.size() - outOfRange;
    }

    public long totalBytes() {
        return totalBytes;
    }
}
