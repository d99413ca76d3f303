package io.imgfed.protocol.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PeerAddressTest {

    @Test
    void splitsHostAndPort() {
        assertEquals(new PeerAddress("10.0.0.7", 8443), PeerAddress.parse("10.0.0.7:8443"));
        assertEquals(new PeerAddress("dc-b.example", 80), PeerAddress.parse("dc-b.example:80"));
    }

    @Test
    void dropsTheBracketsOfAnIpv6Host() {
        assertEquals(new PeerAddress("::1", 9000), PeerAddress.parse("[::1]:9000"));
        assertEquals(new PeerAddress("fd00::2", 8080), PeerAddress.parse("[fd00::2]:8080"));
    }
}
