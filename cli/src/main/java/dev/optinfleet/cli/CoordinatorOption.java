package dev.optinfleet.cli;

import dev.optinfleet.cli.fleet.CoordinatorClient;
import picocli.CommandLine.Option;

/** The coordinator a remote command talks to. */
final class CoordinatorOption {
    @Option(names = "--coordinator", description = "coordinator URL (default: $OPTIN_COORDINATOR or"
            + " http://localhost:8080).")
    String url;

    CoordinatorClient client() {
        String u = url != null ? url : System.getenv().getOrDefault("OPTIN_COORDINATOR", "http://localhost:8080");
        if (!u.startsWith("http://") && !u.startsWith("https://")) {
            throw new IllegalArgumentException("--coordinator must be an http(s) URL, was '" + u + "'");
        }
        return new CoordinatorClient(u);
    }
}
