package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.events.EventDecision;
import dev.optinfleet.coordinator.events.EventDecisions;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** What recent checkpoint events did: started a job, had started it before, or were rejected and why. */
@Path("/events")
@Tag(name = "events", description = "Checkpoint events and what they started")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class EventsResource {
    private final EventDecisions decisions;

    public EventsResource(EventDecisions decisions) {
        this.decisions = decisions;
    }

    @GET
    @Operation(summary = "Recent checkpoint-event decisions, newest first",
            description = "In memory (optin.events.recent-decisions of them); rejections are also on the"
                    + " dead-letter topic with the reason.")
    public List<EventDecision> recent() {
        return decisions.recent();
    }
}
