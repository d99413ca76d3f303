package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OTHER;
import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.THIRD;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.protocol.testing.Fixtures.ImageBuilder;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ?account= scoping: owner, public and active, or listed in the acl; no account sees everything. */
class ManifestVisibilityTest {

    static Stream<Arguments> cases() {
        UnaryOperator<ImageBuilder> privateActive = b -> b;
        UnaryOperator<ImageBuilder> publicActive = b -> b.isPublic(true);
        UnaryOperator<ImageBuilder> publicUnactivated = b -> b.isPublic(true).unactivated();
        UnaryOperator<ImageBuilder> publicDisabled = b -> b.isPublic(true).disabled();
        UnaryOperator<ImageBuilder> aclActive = b -> b.acl(OTHER);
        UnaryOperator<ImageBuilder> aclUnactivated = b -> b.acl(OTHER).unactivated();
        UnaryOperator<ImageBuilder> aclDisabled = b -> b.acl(OTHER).disabled();
        return Stream.of(
                // image, account, visible
                Arguments.of("private active", privateActive, null, true),
                Arguments.of("private active", privateActive, OWNER, true),
                Arguments.of("private active", privateActive, OTHER, false),
                Arguments.of("public active", publicActive, OTHER, true),
                Arguments.of("public unactivated", publicUnactivated, OTHER, false),
                Arguments.of("public unactivated", publicUnactivated, OWNER, true),
                Arguments.of("public unactivated", publicUnactivated, null, true),
                Arguments.of("public disabled", publicDisabled, OTHER, false),
                Arguments.of("public disabled", publicDisabled, OWNER, true),
                Arguments.of("acl active", aclActive, OTHER, true),
                Arguments.of("acl active", aclActive, THIRD, false),
                Arguments.of("acl unactivated", aclUnactivated, OTHER, true),
                Arguments.of("acl disabled", aclDisabled, OTHER, true),
                Arguments.of("acl disabled", aclDisabled, THIRD, false));
    }

    @ParameterizedTest(name = "{0} seen by {2}: {3}")
    @MethodSource("cases")
    void visibleTo(String label, UnaryOperator<ImageBuilder> shape, String account, boolean visible) {
        Manifest m = shape.apply(image(UUID_A)).build();
        assertEquals(visible, m.visibleTo(account));
    }
}
