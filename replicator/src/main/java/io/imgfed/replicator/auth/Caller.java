package io.imgfed.replicator.auth;

/**
 * Who a request acts as: the authenticated user (null without auth), the account whose view it sees
 * ({@code ?account=}, null for the unscoped operator view), and whether it may do operator-only things.
 */
public record Caller(String user, String account, boolean operator) {

    /** The unscoped view of a trusted caller on an unauthenticated (datacenter-internal) API. */
    public static Caller datacenter(String account) {
        return new Caller(null, account, true);
    }
}
