package dev.optinfleet.coordinator.api;

/**
 * The roles of the REST API, as the {@code groups} claim of a bearer token names them. A request without a valid
 * token is answered 401, one whose token lacks the endpoint's role 403; health and metrics ({@code /q/*}) need none.
 */
public final class Roles {
    /** Submit jobs, follow them, read their masks and ask for new budgets; read the model registry. */
    public static final String JOBS = "jobs";
    /** Upload checkpoint and calibration objects through {@code PUT /uploads}. */
    public static final String UPLOADS = "uploads";
    /** Everything above, and the checkpoint-event decisions. */
    public static final String ADMIN = "admin";

    private Roles() {
    }
}
