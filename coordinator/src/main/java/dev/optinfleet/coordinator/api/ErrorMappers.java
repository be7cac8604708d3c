package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.jobs.JobConflictException;
import dev.optinfleet.coordinator.jobs.JobNotFoundException;
import dev.optinfleet.coordinator.planning.InvalidRequestException;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.registry.RegistryException;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.storage.StorageUnavailableException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps the API's exceptions to status codes with an {@link ApiError} body. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response badRequest(MalformedMessageException e) {
        return error(Response.Status.BAD_REQUEST, e);
    }

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e) {
        return error(Response.Status.BAD_REQUEST, e);
    }

    @ServerExceptionMapper
    public Response badInput(BadInputException e) {
        return error(Response.Status.BAD_REQUEST, e);
    }

    @ServerExceptionMapper
    public Response notFound(JobNotFoundException e) {
        return error(Response.Status.NOT_FOUND, e);
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return error(Response.Status.NOT_FOUND, e);
    }

    @ServerExceptionMapper
    public Response registry(RegistryException e) {
        LOG.warnf("model registry: %s", e.getMessage());
        return error(e.isRetryable() ? Response.Status.SERVICE_UNAVAILABLE : Response.Status.INTERNAL_SERVER_ERROR,
                e);
    }

    @ServerExceptionMapper
    public Response conflict(JobConflictException e) {
        return error(Response.Status.CONFLICT, e);
    }

    @ServerExceptionMapper
    public Response unavailable(ServiceUnavailableException e) {
        return error(Response.Status.SERVICE_UNAVAILABLE, e);
    }

    @ServerExceptionMapper
    public Response storageUnavailable(StorageUnavailableException e) {
        LOG.warnf("object storage unavailable: %s", e.getMessage());
        return error(Response.Status.SERVICE_UNAVAILABLE, e);
    }

    @ServerExceptionMapper
    public Response kafkaUnavailable(PublishFailedException e) {
        LOG.errorf(e, "Kafka did not acknowledge: %s", e.getMessage());
        return error(Response.Status.SERVICE_UNAVAILABLE, e);
    }

    private static Response error(Response.Status status, RuntimeException e) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(e.getMessage()))
                .build();
    }

    /** A path parameter or body value the API refuses, named in the message; 400. */
    public static class BadInputException extends RuntimeException {
        public BadInputException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
