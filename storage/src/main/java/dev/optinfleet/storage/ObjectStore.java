package dev.optinfleet.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.HeadObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.MinioException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Objects in S3-compatible storage (MinIO, AWS S3, s3proxy) through the MinIO Java client.
 *
 * <p>Every failure is a {@link StorageException} that names the URI and tells whether to retry:
 * {@link ObjectNotFoundException} (object or bucket missing), {@link StorageUnavailableException} (network, 5xx,
 * throttling: retry with backoff), {@link StorageRequestException} (credentials, permissions, invalid request).
 * Failures of the local disk (the file to upload, the download target) are {@link UncheckedIOException}s.
 *
 * <p>Thread-safe: one instance serves the whole application; {@link #close()} releases its HTTP connections.
 */
public final class ObjectStore implements AutoCloseable {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    private static final Set<String> NOT_FOUND_CODES = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject",
            "ResourceNotFound");
    private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "RequestTimeout", "InternalError",
            "ServiceUnavailable", "RequestTimeTooSkewed", "OperationAborted");
    private static final Set<String> BUCKET_EXISTS_CODES = Set.of("BucketAlreadyOwnedByYou", "BucketAlreadyExists");

    private final StorageSettings settings;
    private final StorageTimeouts timeouts;
    private final MinioClient client;

    /** A client with {@link StorageTimeouts#DEFAULT}. */
    public ObjectStore(StorageSettings settings) {
        this(settings, StorageTimeouts.DEFAULT);
    }

    public ObjectStore(StorageSettings settings, StorageTimeouts timeouts) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.client = MinioClient.builder()
                .endpoint(settings.endpoint())
                .credentials(settings.accessKey(), settings.secretKey())
                .region(settings.region())
                .build();
        // MinIO's order: connect, write, read.
        client.setTimeout(timeouts.connect().toMillis(), timeouts.write().toMillis(), timeouts.read().toMillis());
    }

    public StorageTimeouts timeouts() {
        return timeouts;
    }

    public StorageSettings settings() {
        return settings;
    }

    /** Creates the bucket unless it exists; safe to call concurrently from several processes. */
    public void ensureBucket(String bucket) {
        S3Uri root = S3Uri.of(bucket, "");
        try {
            if (client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                return;
            }
            client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        } catch (ErrorResponseException e) {
            if (!BUCKET_EXISTS_CODES.contains(e.errorResponse().code())) {
                throw translate("create bucket", root, e);
            }
        } catch (MinioException | RuntimeException e) {
            throw translate("create bucket", root, e);
        }
    }

    /** Uploads a local file; returns what the server then reports about the object. */
    public ObjectInfo putFile(S3Uri uri, Path file) {
        return putFile(uri, file, Map.of());
    }

    /** Uploads a local file with user metadata; returns what the server then reports about the object. */
    public ObjectInfo putFile(S3Uri uri, Path file, Map<String, String> userMetadata) {
        uri.requireObject();
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new IOException("cannot upload " + file + " to " + uri
                    + ": not a readable regular file"));
        }
        try {
            client.uploadObject(UploadObjectArgs.builder()
                    .bucket(uri.bucket())
                    .object(uri.key())
                    .filename(file.toString())
                    .userMetadata(userMetadata)
                    .build());
        } catch (MinioException | RuntimeException e) {
            throw translate("upload " + file + " to", uri, e);
        }
        return stat(uri);
    }

    /** Writes the bytes as the object's content ({@code application/octet-stream}). */
    public ObjectInfo putBytes(S3Uri uri, byte[] content) {
        return putBytes(uri, content, DEFAULT_CONTENT_TYPE, Map.of());
    }

    /** Writes the bytes as the object's content with the given content type and user metadata. */
    public ObjectInfo putBytes(S3Uri uri, byte[] content, String contentType, Map<String, String> userMetadata) {
        uri.requireObject();
        Objects.requireNonNull(content, "content");
        try {
            client.putObject(PutObjectArgs.builder()
                    .bucket(uri.bucket())
                    .object(uri.key())
                    .data(content, content.length)
                    .contentType(contentType)
                    .userMetadata(userMetadata)
                    .build());
        } catch (MinioException | RuntimeException e) {
            throw translate("write", uri, e);
        }
        return stat(uri);
    }

    /**
     * Downloads the object to {@code target}, atomically: the content is written to a temporary file next to the
     * target and renamed over it once complete, so a reader never sees a partial file.
     *
     * @return what the server reported with the content (its ETag is the downloaded version's)
     */
    public ObjectInfo getToFile(S3Uri uri, Path target) {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        Path partial = parent.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            Files.createDirectories(parent);
            ObjectInfo info = download(uri, partial);
            moveAtomically(partial, absolute);
            return info;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + uri + " to " + target, e);
        } finally {
            deleteQuietly(partial);
        }
    }

    /** The whole content in memory; meant for small objects (configurations, masks, reports). */
    public byte[] getBytes(S3Uri uri) {
        uri.requireObject();
        try (GetObjectResponse response = client.getObject(
                GetObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build())) {
            return response.readAllBytes();
        } catch (MinioException | IOException | RuntimeException e) {
            throw translate("read", uri, e);
        }
    }

    /** ETag, size, time and user metadata of the object, without its content (a HEAD request). */
    public ObjectInfo stat(S3Uri uri) {
        uri.requireObject();
        try {
            StatObjectResponse response = client.statObject(
                    StatObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build());
            return info(uri, response, response.size());
        } catch (MinioException | RuntimeException e) {
            throw translate("stat", uri, e);
        }
    }

    /** Whether the object exists; a missing bucket counts as a missing object. */
    public boolean exists(S3Uri uri) {
        try {
            stat(uri);
            return true;
        } catch (ObjectNotFoundException e) {
            return false;
        }
    }

    /**
     * Every object whose key starts with the URI's key, at any depth, sorted by key. A prefix is a string prefix,
     * not a directory: {@code s3://b/models/mini} lists {@code models/minilm/...} too; end it with {@code /} to
     * stay inside one "directory". User metadata is not part of listings.
     */
    public List<ObjectInfo> list(S3Uri prefix) {
        List<ObjectInfo> objects = new ArrayList<>();
        try {
            Iterable<Result<Item>> results = client.listObjects(ListObjectsArgs.builder()
                    .bucket(prefix.bucket())
                    .prefix(prefix.key())
                    .recursive(true)
                    .build());
            for (Result<Item> result : results) {
                Item item = result.get();
                if (item.isDir()) {
                    continue;
                }
                Instant modified = item.lastModified() == null ? Instant.EPOCH : item.lastModified().toInstant();
                objects.add(new ObjectInfo(S3Uri.of(prefix.bucket(), item.objectName()), unquote(item.etag()),
                        item.size(), modified, Map.of()));
            }
        } catch (MinioException | RuntimeException e) {
            throw translate("list", prefix, e);
        }
        objects.sort(Comparator.comparing(info -> info.uri().key()));
        return objects;
    }

    /** Deletes the object; deleting a missing object succeeds (S3 semantics). */
    public void delete(S3Uri uri) {
        uri.requireObject();
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build());
        } catch (MinioException | RuntimeException e) {
            throw translate("delete", uri, e);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close the storage client for " + settings.endpoint(), e);
        }
    }

    /**
     * Streams the object into {@code file} (created or truncated), checking the length against Content-Length.
     * Not atomic; callers rename the file into place.
     */
    ObjectInfo download(S3Uri uri, Path file) {
        uri.requireObject();
        try (GetObjectResponse response = client.getObject(
                GetObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build())) {
            HeadObjectResponse head = new HeadObjectResponse(response.headers(), uri.bucket(), settings.region(),
                    uri.key());
            long copied;
            try (OutputStream out = Files.newOutputStream(file)) {
                copied = copy(response, out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + uri + " to " + file, e);
            }
            if (head.size() >= 0 && copied != head.size()) {
                throw new StorageUnavailableException("download of " + uri + " ended after " + copied + " of "
                        + head.size() + " bytes; retry", uri, null);
            }
            return info(uri, head, copied);
        } catch (UncheckedIOException | StorageException e) {
            throw e;
        } catch (MinioException | IOException | RuntimeException e) {
            throw translate("download", uri, e);
        }
    }

    private static long copy(InputStream in, OutputStream out) throws IOException {
        // Reading and writing are separated so that a read failure surfaces as a network error, not a disk one.
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                throw new NetworkReadException(e);
            }
            if (n < 0) {
                return total;
            }
            out.write(buffer, 0, n);
            total += n;
        }
    }

    /** A read from the server's stream failed; unwrapped by {@link #translate}. */
    private static final class NetworkReadException extends RuntimeException {
        NetworkReadException(IOException cause) {
            super(cause);
        }
    }

    private static ObjectInfo info(S3Uri uri, HeadObjectResponse response, long size) {
        Map<String, String> metadata = new HashMap<>();
        for (Map.Entry<String, String> entry : response.userMetadata()) {
            metadata.put(entry.getKey().toLowerCase(Locale.ROOT), entry.getValue());
        }
        Instant modified = response.lastModified() == null ? Instant.EPOCH : response.lastModified().toInstant();
        return new ObjectInfo(uri, unquote(response.etag()), Math.max(0, size), modified, metadata);
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.replace("\"", "");
    }

    private StorageException translate(String operation, S3Uri uri, Throwable failure) {
        Throwable e = failure instanceof NetworkReadException ? failure.getCause() : failure;
        String where = operation + " " + uri + " at " + settings.endpoint();
        if (e instanceof ErrorResponseException error) {
            String code = error.errorResponse() == null ? "" : error.errorResponse().code();
            int status = error.response() == null ? 0 : error.response().code();
            if (NOT_FOUND_CODES.contains(code) || status == 404) {
                String detail = "NoSuchBucket".equals(code) ? "bucket " + uri.bucket() + " does not exist"
                        : code.isEmpty() ? "HTTP 404" : code;
                return new ObjectNotFoundException(uri, detail, e);
            }
            if (TRANSIENT_CODES.contains(code) || status >= 500 || status == 429) {
                return new StorageUnavailableException("cannot " + where + ": server answered " + code + " (HTTP "
                        + status + "); retry later", uri, e);
            }
            return new StorageRequestException("cannot " + where + ": server refused with " + code + " (HTTP "
                    + status + "): " + error.getMessage() + "; check credentials, bucket name and permissions",
                    uri, e);
        }
        if (e instanceof ServerException server) {
            if (server.statusCode() >= 500 || server.statusCode() == 429) {
                return new StorageUnavailableException("cannot " + where + ": HTTP " + server.statusCode()
                        + "; retry later", uri, e);
            }
            return new StorageRequestException("cannot " + where + ": HTTP " + server.statusCode() + ": "
                    + server.getMessage(), uri, e);
        }
        if (e instanceof InsufficientDataException || e instanceof InvalidResponseException
                || hasIoCause(e)) {
            return new StorageUnavailableException("cannot " + where + ": " + rootMessage(e)
                    + "; is the server up? retry later", uri, e);
        }
        return new StorageRequestException("cannot " + where + ": " + rootMessage(e), uri, e);
    }

    private static boolean hasIoCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    static void moveAtomically(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target + " cannot rename atomically", e);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless
        }
    }
}
