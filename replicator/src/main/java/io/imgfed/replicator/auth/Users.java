package io.imgfed.replicator.auth;

import io.imgfed.protocol.manifest.ManifestValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users who may call the client API: their keys ({@code auth.keys}: one {@code <user>.pub} file of
 * OpenSSH public keys per user), their tokens ({@code auth.tokens}: lines of {@code <token> <user>}), their
 * account, and whether they are operators ({@code auth.operators}). A user named by an account uuid acts for
 * that account; another name may declare one with a {@code # account: <uuid>} line in its key file.
 */
public final class Users {
    private static final Logger LOG = LoggerFactory.getLogger(Users.class);

    /** One user: the account it acts for (null for operators without one), its keys. */
    public record User(String name, String account, boolean operator, List<PublicKey> keys) {
    }

    private final Map<String, User> users;
    /** sha256(token) hex to user name: tokens are never kept or compared in the clear. */
    private final Map<String, String> tokenHashes;

    private Users(Map<String, User> users, Map<String, String> tokenHashes) {
        this.users = users;
        this.tokenHashes = tokenHashes;
    }

    public static Users load(Path keysDir, Path tokensFile, Set<String> operators) throws IOException {
        Map<String, String> accounts = new HashMap<>();
        Map<String, List<PublicKey>> keys = new HashMap<>();
        if (keysDir != null && Files.isDirectory(keysDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(keysDir, "*.pub")) {
                for (Path f : ds) {
                    String user = f.getFileName().toString().replaceAll("\\.pub$", "");
                    List<PublicKey> ks = new ArrayList<>();
                    int n = 0;
                    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                        n++;
                        String t = line.trim();
                        if (t.startsWith("# account:")) {
                            accounts.put(user, t.substring("# account:".length()).trim());
                        } else if (!t.isEmpty() && !t.startsWith("#")) {
                            try {
                                ks.add(SshPublicKeys.parse(t));
                            } catch (IllegalArgumentException e) {
                                LOG.warn("{} line {}: {}; line ignored", f, n, e.getMessage());
                            }
                        }
                    }
                    keys.put(user, ks);
                }
            }
        }
        Map<String, String> tokens = new HashMap<>();
        if (tokensFile != null) {
            int n = 0;
            for (String line : Files.readAllLines(tokensFile, StandardCharsets.UTF_8)) {
                n++;
                String t = line.trim();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+");
                if (parts.length != 2 || parts[0].length() < 16) {
                    throw new IOException(tokensFile + " line " + n + ": expected '<token of 16+ characters> <user>'");
                }
                tokens.put(hash(parts[0]), parts[1]);
                keys.putIfAbsent(parts[1], List.of());
            }
        }
        Map<String, User> users = new HashMap<>();
        for (Map.Entry<String, List<PublicKey>> e : keys.entrySet()) {
            String name = e.getKey();
            String account = accounts.getOrDefault(name, ManifestValidator.UUID.matcher(name).matches() ? name : null);
            if (account != null && !ManifestValidator.UUID.matcher(account).matches()) {
                throw new IOException("the account of user " + name + " is not a lowercase uuid: " + account);
            }
            users.put(name, new User(name, account, operators.contains(name), List.copyOf(e.getValue())));
        }
        LOG.info("client API users: {} ({} operator(s))", users.size(), users.values().stream().filter(User::operator).count());
        return new Users(users, tokens);
    }

    public User get(String name) {
        return users.get(name);
    }

    /** The user a bearer token belongs to, or null. */
    public User byToken(String token) {
        String name = tokenHashes.get(hash(token));
        return name == null ? null : users.get(name);
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
