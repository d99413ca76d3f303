package io.imgfed.replicator.cli;

import io.imgfed.replicator.config.ImgfedConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** The URL of the client API a daemon serves under a configuration: what the CLI talks to by default. */
final class LocalDaemonUrl {
    private LocalDaemonUrl() {
    }

    static String of(ImgfedConfig config) {
        ImgfedConfig.Listener http = config.http();
        String scheme = http.tls() == null ? "http" : "https";
        String address = http.advertise() != null ? http.advertise() : reachable(http.host()) + ":" + http.port();
        return scheme + "://" + address;
    }

    /** A wildcard listen address is not one to connect to; the daemon is then reachable on loopback. */
    private static String reachable(String host) {
        try {
            if (InetAddress.getByName(host).isAnyLocalAddress()) {
                return "127.0.0.1";
            }
        } catch (UnknownHostException e) {
            // a name the resolver does not know now: left to the connection to report
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
