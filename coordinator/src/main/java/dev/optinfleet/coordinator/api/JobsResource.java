package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobNotFoundException;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.coordinator.outputs.NewBudgets;
import dev.optinfleet.coordinator.planning.JobIntake;
import dev.optinfleet.coordinator.recovery.JobRecovery;
import dev.optinfleet.coordinator.security.BoundedBody;
import dev.optinfleet.coordinator.security.RequestGuard;
import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The coordinator's REST API: submit jobs, follow them, read their masks and ask for new budgets. Errors are
 * {@code {"error": "..."}} naming the field, object, job or budget: 400 for bad input, 404 for an unknown job or
 * budget, 409 for a budget of an unfinished job, 503 while the state is recovered from Kafka after a start.
 *
 * <p>Bodies are parsed with the project's one JSON codec ({@link Json}: snake_case, unknown fields rejected), so a
 * request means the same here as on the request topic and the error names the field.
 *
 * <p>Every call needs a bearer token with the {@code jobs} or {@code admin} role (401 without one, 403 with neither
 * role). Bodies are read up to their limit (413 naming it); a job's caps, output prefix and model name are checked by
 * {@link RequestGuard}, and the job records its submitter: {@code submitted_by} is the token's principal,
 * {@code source} is {@code rest}.
 */
@Path("/jobs")
@Tag(name = "jobs", description = "Pruning jobs")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.JOBS, Roles.ADMIN})
@Blocking
public class JobsResource {
    private final JobIntake intake;
    private final JobRegistry registry;
    private final NewBudgets budgets;
    private final JobRecovery recovery;
    private final RequestGuard guard;

    public JobsResource(JobIntake intake, JobRegistry registry, NewBudgets budgets, JobRecovery recovery,
                        RequestGuard guard) {
        this.guard = guard;
        this.intake = intake;
        this.registry = registry;
        this.budgets = budgets;
        this.recovery = recovery;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a pruning job", description = "Validates the request, checks that every object it"
            + " names exists, and accepts the job; planning and scoring continue in the background.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobRequest.class)))
    @APIResponse(responseCode = "202", description = "Accepted", content = @Content(
            schema = @Schema(implementation = SubmittedJob.class)))
    @APIResponse(responseCode = "400", description = "Invalid request; the error names the field or object",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "Output prefix or model name outside the caller's scope",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "413", description = "Body over optin.security.max-job-body",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response submit(InputStream stream, @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
                           @Context SecurityContext caller) {
        requireRecovered();
        String body = BoundedBody.text(stream, contentLength, guard.maxJobBody(), "POST /jobs",
                "optin.security.max-job-body");
        if (body == null || body.isBlank()) {
            throw new ErrorMappers.BadInputException("the body must be a JobRequest JSON object (model_uri,"
                    + " calibration_uris, budgets, ...)", null);
        }
        JobRequest sent = Json.read(body, JobRequest.class);
        String principal = caller.getUserPrincipal().getName();
        Set<String> roles = caller.isUserInRole(Roles.ADMIN) ? Set.of(Roles.ADMIN) : Set.of(Roles.JOBS);
        guard.checkJob(sent, principal, roles);
        // Who submitted is part of the job (its status, registry entries and report say so), taken from the token
        // whatever the body claimed; everything else the caller sent (repair included) is kept.
        JobRequest request = sent.withSubmitter("rest", principal);
        Job job = intake.submit(UUID.randomUUID().toString(), request, "rest");
        String url = "/jobs/" + job.id();
        return Response.accepted(new SubmittedJob(job.id(), job.state(), url)).location(URI.create(url)).build();
    }

    @GET
    @Operation(summary = "List jobs", description = "Every job this coordinator knows, oldest first.")
    public List<JobView> list() {
        requireRecovered();
        long now = System.currentTimeMillis();
        return registry.all().stream().map(j -> JobView.of(j, now)).toList();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A job's state and progress")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "Unknown job",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public JobView get(@PathParam("id") String id) {
        requireRecovered();
        return JobView.of(job(id), System.currentTimeMillis());
    }

    @GET
    @Path("/{id}/masks/{budget}")
    @Operation(summary = "The mask.json of one budget of a job")
    @APIResponse(responseCode = "200", description = "mask.json as stored",
            content = @Content(schema = @Schema(implementation = MaskDocument.class)))
    @APIResponse(responseCode = "404", description = "Unknown job or budget",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public String mask(@PathParam("id") String id, @PathParam("budget") String budget) {
        requireRecovered();
        job(id);
        return budgets.storedMask(id, budget(budget));
    }

    @POST
    @Path("/{id}/budgets")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Solve a new budget of a done job from its stored scores (no rescoring)",
            description = "Writes the mask (and its pruned checkpoint) next to the job's other outputs, adds it to"
                    + " the job's results and returns the mask document.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BudgetRequest.class)))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = MaskDocument.class)))
    @APIResponse(responseCode = "404", description = "Unknown job",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "The job is not done",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public String newBudget(@PathParam("id") String id, InputStream stream,
                            @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength) {
        requireRecovered();
        String body = BoundedBody.text(stream, contentLength, guard.maxBudgetBody(), "POST /jobs/{id}/budgets",
                "optin.security.max-budget-body");
        job(id);
        if (body == null || body.isBlank()) {
            throw new ErrorMappers.BadInputException("the body must be {\"budget\": <kept fraction in (0, 1]>}",
                    null);
        }
        BudgetRequest request = Json.read(body, BudgetRequest.class);
        return MaskJson.write(budgets.answer(id, request.budget()));
    }

    private Job job(String id) {
        Job job = registry.get(id);
        if (job == null) {
            throw new JobNotFoundException("no job " + id);
        }
        return job;
    }

    private static double budget(String text) {
        try {
            return Checks.budget("budget", Double.parseDouble(text));
        } catch (NumberFormatException e) {
            throw new ErrorMappers.BadInputException("budget must be a number in (0, 1], was '" + text + "'", e);
        } catch (IllegalArgumentException e) {
            throw new ErrorMappers.BadInputException(e.getMessage(), e);
        }
    }

    private void requireRecovered() {
        if (!recovery.isRecovered()) {
            throw new ServiceUnavailableException("the coordinator is still reading its job state from Kafka;"
                    + " retry in a few seconds");
        }
    }
}
