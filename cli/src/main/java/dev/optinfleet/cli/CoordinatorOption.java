package dev.optinfleet.cli;

import dev.optinfleet.cli.fleet.CoordinatorClient;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The coordinator a remote command talks to, and the bearer token it is called with. */
final class CoordinatorOption {
    /** Environment variable holding the bearer token, when --token-file is not given. */
    static final String TOKEN_ENV = "OPTIN_TOKEN";

    @Option(names = "--coordinator", description = "coordinator URL (default: $OPTIN_COORDINATOR or"
            + " http://localhost:8080).")
    String url;

    @Option(names = "--token-file", description = "file holding the bearer token (JWT) for the coordinator"
            + " (default: $OPTIN_TOKEN).")
    Path tokenFile;

    CoordinatorClient client() {
        String u = url != null ? url : System.getenv().getOrDefault("OPTIN_COORDINATOR", "http://localhost:8080");
        if (!u.startsWith("http://") && !u.startsWith("https://")) {
            throw new IllegalArgumentException("--coordinator must be an http(s) URL, was '" + u + "'");
        }
        return new CoordinatorClient(u, token());
    }

    /** The token from --token-file, else $OPTIN_TOKEN, else none. */
    String token() {
        if (tokenFile != null) {
            try {
                String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
                }
                return t;
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --token-file " + tokenFile + ": " + e.getMessage(),
                        e);
            }
        }
        return System.getenv(TOKEN_ENV);
    }
}
