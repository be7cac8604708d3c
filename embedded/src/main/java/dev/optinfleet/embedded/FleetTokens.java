package dev.optinfleet.embedded;

import io.smallrye.jwt.build.Jwt;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A signing key of its own for a fleet on this machine (the demo, the integration tests): a fresh RSA-2048 key pair
 * made at start, whose public half the coordinator is configured to trust ({@link #verifierProperties()}), and
 * bearer tokens signed with the private half ({@link #issue}) by smallrye-jwt-build. The private key never leaves
 * this object, so tokens for this fleet exist only in the process that started it.
 */
public final class FleetTokens {
    /** The {@code iss} claim of every token; the coordinator accepts no other. */
    public static final String ISSUER = "optin-embedded";
    /** Every role of the coordinator's API: submit and read jobs, upload checkpoints, administer. */
    public static final Set<String> ALL_ROLES = Set.of("jobs", "uploads", "admin");
    private static final Duration LIFETIME = Duration.ofHours(24);

    private final KeyPair keys;

    private FleetTokens(KeyPair keys) {
        this.keys = keys;
    }

    /** A fresh key pair. */
    public static FleetTokens generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new FleetTokens(generator.generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no RSA key generator", e);
        }
    }

    /**
     * The public key as PEM (SubjectPublicKeyInfo) on one line, the form {@code mp.jwt.verify.publickey} reads; one
     * line so that it passes unchanged as a system property to a child JVM.
     */
    public String publicKeyPem() {
        return "-----BEGIN PUBLIC KEY-----" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded())
                + "-----END PUBLIC KEY-----";
    }

    /** The coordinator's settings that make it trust exactly this key and issuer. */
    public Map<String, String> verifierProperties() {
        return Map.of("mp.jwt.verify.publickey", publicKeyPem(), "mp.jwt.verify.issuer", ISSUER);
    }

    /** An RS256 token for {@code subject} with {@code roles} as its {@code groups}, valid for 24 hours. */
    public String issue(String subject, Set<String> roles) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(roles, "roles");
        return Jwt.issuer(ISSUER).upn(subject).subject(subject).groups(roles).expiresIn(LIFETIME)
                .sign(keys.getPrivate());
    }
}
