package io.imgfed.protocol.federation;

/** Where a DC's peer listener is reached, as its records advertise it: {@code host:port}, IPv6 in brackets. */
public record PeerAddress(String host, int port) {

    /** Splits {@code host:port}; the brackets of an IPv6 host are dropped. */
    public static PeerAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new PeerAddress(host, Integer.parseInt(address.substring(colon + 1)));
    }
}
