package dev.optinfleet.coordinator.security;

import dev.optinfleet.coordinator.api.Roles;
import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.planning.RequestCompletion;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.storage.S3Uri;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one caller may ask for: the caps on a job request's size (400 naming field, value and cap), where its outputs
 * may go and which model names it may write versions of (403 naming the value and the rule), and where uploads may
 * land. Values are checked as sent, before the request is completed, so the caller's own words are named.
 */
@Singleton
public class RequestGuard {
    private final SecurityConfig config;
    private final List<S3Uri> outputRoots;
    private final List<S3Uri> uploadPrefixes;

    public RequestGuard(SecurityConfig config, CoordinatorSettings settings) {
        this.config = config;
        this.outputRoots = config.outputRoots().map(roots -> roots.stream().map(r -> folder("optin.security"
                + ".output-roots", r)).toList()).orElse(List.of(folder("optin.coordinator.output-prefix",
                settings.outputPrefix().toString())));
        this.uploadPrefixes = config.uploadPrefixes().stream()
                .map(p -> folder("optin.security.upload-prefixes", p)).toList();
    }

    /** Caps, output scope and model ownership of a request by {@code principal} (with {@code roles}). */
    public void checkJob(JobRequest r, String principal, Set<String> roles) {
        checkLimits(r);
        if (r.outputPrefix() != null) {
            S3Uri prefix = folder("output_prefix", r.outputPrefix());
            if (outputRoots.stream().noneMatch(root -> under(prefix, root))) {
                throw new ForbiddenScopeException("output_prefix " + r.outputPrefix() + " is not under the"
                        + " configured output roots " + outputRoots + " (optin.security.output-roots)");
            }
        }
        String name;
        try {
            name = RequestCompletion.name(r.name(), S3Uri.parse(r.modelUri()));
        } catch (IllegalArgumentException e) {
            return; // completion names the bad field with the same check
        }
        List<String> owners = config.modelOwners().get(name);
        if (owners != null && !roles.contains(Roles.ADMIN) && !owners.contains(principal)) {
            throw new ForbiddenScopeException("model name '" + name + "' belongs to " + owners + " (optin.security"
                    + ".model-owners); " + principal + " may not register versions of it");
        }
    }

    /** The caps alone, for requests from the job-request topic too. */
    public void checkLimits(JobRequest r) {
        cap("budgets (count)", r.budgets().size(), config.maxBudgets(), "optin.security.max-budgets");
        cap("calibration_uris (count)", r.calibrationUris().size(), config.maxShards(), "optin.security.max-shards");
        cap("samples_per_task", r.samplesPerTask(), config.maxSamples(), "optin.security.max-samples");
        cap("neurons_per_task", r.neuronsPerTask(), config.maxBatch(), "optin.security.max-batch");
        ScoringSpec s = r.scoring();
        if (s != null) {
            cap("scoring.max_samples", s.maxSamples(), config.maxSamples(), "optin.security.max-samples");
            cap("scoring.token_rows", s.tokenRows(), config.maxTokenRows(), "optin.security.max-token-rows");
            // The text length in tokens each calibration sample is cut to: the same bound as the rows it gives.
            cap("scoring.max_length", s.maxLength(), config.maxTokenRows(), "optin.security.max-token-rows");
            cap("scoring.unit_batch", s.unitBatch(), config.maxBatch(), "optin.security.max-batch");
            cap("scoring.fisher_batch", s.fisherBatch(), config.maxBatch(), "optin.security.max-batch");
            cap("scoring.fisher_probes", s.fisherProbes(), config.maxBatch(), "optin.security.max-batch");
        }
    }

    /** Whether {@code PUT /uploads/bucket/key} lies under a configured upload prefix. */
    public void checkUpload(String bucket, String key) {
        S3Uri target = S3Uri.of(bucket, key);
        if (uploadPrefixes.stream().noneMatch(p -> under(target, p))) {
            throw new ForbiddenScopeException("uploads may not write " + target + ": it is not under the configured"
                    + " upload prefixes " + uploadPrefixes + " (optin.security.upload-prefixes)");
        }
    }

    /** Body limits by endpoint, in bytes. */
    public Map<String, Long> bodyLimits() {
        return Map.of("POST /jobs", config.maxJobBody().asLongValue(),
                "POST /jobs/{id}/budgets", config.maxBudgetBody().asLongValue(),
                "PUT /uploads", config.maxUploadSize().asLongValue());
    }

    public long maxJobBody() {
        return config.maxJobBody().asLongValue();
    }

    public long maxBudgetBody() {
        return config.maxBudgetBody().asLongValue();
    }

    public long maxUploadSize() {
        return config.maxUploadSize().asLongValue();
    }

    private static void cap(String field, Integer value, int cap, String setting) {
        if (value != null && value > cap) {
            throw new LimitExceededException(field + " is " + value + ", over the cap of " + cap + " (" + setting
                    + ")");
        }
    }

    /**
     * Whether {@code uri} is {@code root} or below it, segment by segment: {@code s3://b/pruned} covers
     * {@code s3://b/pruned/x} but not {@code s3://b/pruned-other}; a key with a {@code ..} segment is never under.
     */
    static boolean under(S3Uri uri, S3Uri root) {
        if (!uri.bucket().equals(root.bucket())) {
            return false;
        }
        List<String> segments = List.of(uri.key().split("/", -1));
        if (segments.contains("..") || segments.contains(".")) {
            return false;
        }
        String rootKey = root.key();
        return rootKey.isEmpty() || uri.key().equals(rootKey) || uri.key().startsWith(rootKey + "/");
    }

    /** {@code s3://bucket/prefix} without a trailing '/' (the bucket's root has an empty key). */
    private static S3Uri folder(String field, String value) {
        S3Uri uri;
        try {
            uri = S3Uri.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
        String key = uri.key().endsWith("/") ? uri.key().substring(0, uri.key().length() - 1) : uri.key();
        return S3Uri.of(uri.bucket(), key);
    }
}
