package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.messaging.CheckpointEventPublisher;
import dev.optinfleet.coordinator.security.BoundedBody;
import dev.optinfleet.coordinator.security.RequestGuard;
import dev.optinfleet.schemas.events.MinioEventWriter;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.UUID;

/**
 * Uploads a checkpoint file and announces it: the body is streamed to a file in the work dir (never held in memory),
 * written to {@code s3://bucket/key} through the {@link ObjectStore} (the bucket is created if missing), and the
 * MinIO-format notification of the new object is published to {@code optin.checkpoint-events}, so a job starts when
 * the upload completes a checkpoint that the policy covers, just as an upload to a production MinIO would start it.
 *
 * <p>Upload a checkpoint's weights last ({@code config.json}, {@code tokenizer.json}, then {@code model.safetensors};
 * or {@code tokenizer.json}, then the {@code .onnx} file): the earlier files' events are rejected as incomplete, the
 * last one starts the job.
 *
 * <p>Needs the {@code uploads} or {@code admin} role. A key with a {@code .} or {@code ..} segment is refused (400),
 * a target outside {@code optin.security.upload-prefixes} too (403), and a body over
 * {@code optin.security.max-upload-size} (413) before anything is stored.
 */
@Path("/uploads")
@Tag(name = "uploads", description = "Checkpoint uploads that announce themselves as bucket notifications")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.UPLOADS, Roles.ADMIN})
@Blocking
public class UploadsResource {
    static final String UPLOADS_DIR = "uploads";
    private static final Logger LOG = Logger.getLogger(UploadsResource.class);

    private final ObjectStore store;
    private final CheckpointEventPublisher events;
    private final java.nio.file.Path uploadsDir;
    private final RequestGuard guard;

    public UploadsResource(ObjectStore store, CheckpointEventPublisher events, CoordinatorSettings settings,
                           RequestGuard guard) {
        this.guard = guard;
        this.store = store;
        this.events = events;
        this.uploadsDir = settings.workDir().resolve(UPLOADS_DIR);
    }

    @PUT
    @Path("/{bucket}/{key: .+}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Upload an object and publish its bucket notification",
            description = "The body is the object's content. Answers with the object's URI, ETag and size once it"
                    + " is stored and its event acknowledged by Kafka.")
    @APIResponse(responseCode = "201", description = "Stored and announced",
            content = @Content(schema = @Schema(implementation = Uploaded.class)))
    @APIResponse(responseCode = "400", description = "Invalid bucket or key, or a body shorter than Content-Length",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response upload(@PathParam("bucket") String bucket, @PathParam("key") String key,
                           @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength, @Context UriInfo uri,
                           InputStream body) {
        // The router drops a trailing '/', which would turn a folder into an object: look at the path as sent.
        S3Uri target = target(bucket, uri.getPath().endsWith("/") ? key + "/" : key);
        guard.checkUpload(target.bucket(), target.key());
        java.nio.file.Path file = receive(target, body, contentLength);
        try {
            StorageRetry.DEFAULT.call("create bucket " + bucket, () -> {
                store.ensureBucket(bucket);
                return null;
            });
            ObjectInfo info = StorageRetry.DEFAULT.call("upload " + target, () -> store.putFile(target, file));
            events.publish(MinioEventWriter.put(bucket, key, info.size(), info.etag(), Instant.now()));
            LOG.infof("uploaded %s (%d bytes, ETag %s) and published its event", target, info.size(), info.etag());
            return Response.status(Response.Status.CREATED)
                    .entity(new Uploaded(target.toString(), info.etag(), info.size())).build();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("could not delete the upload's temporary file %s: %s", file, e.getMessage());
            }
        }
    }

    private static S3Uri target(String bucket, String key) {
        try {
            for (String segment : key.split("/", -1)) {
                if (segment.equals("..") || segment.equals(".")) {
                    throw new IllegalArgumentException("key must not have a '.' or '..' segment, was '" + key
                            + "'");
                }
            }
            if (key.startsWith("/") || key.endsWith("/")) {
                throw new IllegalArgumentException("key must name an object (no leading or trailing '/'), was '"
                        + key + "'");
            }
            return S3Uri.of(bucket, key).requireObject();
        } catch (IllegalArgumentException e) {
            throw new ErrorMappers.BadInputException("cannot upload to s3://" + bucket + "/" + key + ": "
                    + e.getMessage(), e);
        }
    }

    /** The body in a fresh file under the work dir. */
    private java.nio.file.Path receive(S3Uri target, InputStream body, Long contentLength) {
        long limit = guard.maxUploadSize();
        java.nio.file.Path file = uploadsDir.resolve(UUID.randomUUID() + ".part");
        try {
            Files.createDirectories(uploadsDir);
            long received;
            try (java.io.OutputStream out = Files.newOutputStream(file)) {
                received = BoundedBody.copy(body, out, contentLength, limit, "PUT /uploads",
                        "optin.security.max-upload-size");
            } catch (RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
            if (contentLength != null && contentLength >= 0 && received != contentLength) {
                Files.deleteIfExists(file);
                throw new ErrorMappers.BadInputException("upload to " + target + " got " + received + " bytes but"
                        + " Content-Length said " + contentLength, null);
            }
            return file;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw new UncheckedIOException("cannot receive the upload to " + target + " into " + file, e);
        }
    }
}
