package dev.optinfleet.coordinator.security;

import dev.optinfleet.coordinator.api.ApiError;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** 413 for a body over its limit, 400 for a field over its cap, 403 for a value outside the caller's scope. */
public class SecurityErrorMappers {

    @ServerExceptionMapper
    public Response tooLarge(PayloadTooLargeException e) {
        return error(Response.Status.REQUEST_ENTITY_TOO_LARGE, e);
    }

    @ServerExceptionMapper
    public Response overCap(LimitExceededException e) {
        return error(Response.Status.BAD_REQUEST, e);
    }

    @ServerExceptionMapper
    public Response outOfScope(ForbiddenScopeException e) {
        return error(Response.Status.FORBIDDEN, e);
    }

    private static Response error(Response.Status status, RuntimeException e) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(e.getMessage()))
                .build();
    }
}
