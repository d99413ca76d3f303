package io.imgfed.transfer.pull;

/**
 * Whether a new pull into this DC may start now. Billing refuses while its outbox cannot take events, since a
 * pull's events would then exist only in memory. Joining a pull already running is always allowed.
 */
@FunctionalInterface
public interface PullAdmission {
    /** Null when a new pull may start; else why not, and when to ask again. */
    Refusal check();

    PullAdmission OPEN = () -> null;

    /** Why no new pull starts now, and how many seconds a requester should wait (its {@code Retry-After}). */
    record Refusal(String why, int retryAfterSeconds) {
    }
}
