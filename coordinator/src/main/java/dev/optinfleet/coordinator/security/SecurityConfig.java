package dev.optinfleet.coordinator.security;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an authenticated caller may ask of the REST API, prefix {@code optin.security}: body sizes per endpoint,
 * caps on the work one request may cause, and the scope of uploads, outputs and model names. See docs/security.md.
 */
@ConfigMapping(prefix = "optin.security")
public interface SecurityConfig {

    /** Largest {@code POST /jobs} body; a request is a few kB, so anything near this is hostile. */
    @WithDefault("1M")
    MemorySize maxJobBody();

    /** Largest {@code POST /jobs/{id}/budgets} body ({@code {"budget": 0.5}}). */
    @WithDefault("4K")
    MemorySize maxBudgetBody();

    /** Largest {@code PUT /uploads} body: one checkpoint file (BERT-large safetensors is 1.3 GB). */
    @WithDefault("8G")
    MemorySize maxUploadSize();

    /** Most budgets in one request (each is solved and written as its own checkpoint). */
    @WithDefault("32")
    int maxBudgets();

    /** Most calibration shards in one request (each is downloaded and tokenised). */
    @WithDefault("256")
    int maxShards();

    /** Largest samples_per_task and scoring.max_samples. */
    @WithDefault("100000")
    int maxSamples();

    /** Largest neurons_per_task, scoring.unit_batch, scoring.fisher_batch and scoring.fisher_probes. */
    @WithDefault("4096")
    int maxBatch();

    /**
     * Largest scoring.token_rows and scoring.max_length: tokens per calibration text (BERT's position table has
     * 512).
     */
    @WithDefault("512")
    int maxTokenRows();

    /**
     * Where {@code PUT /uploads} may write, as {@code s3://bucket/prefix/} (a bucket's root is {@code s3://bucket/}).
     * The registry index and job outputs are not among the defaults, so an upload cannot overwrite them.
     */
    @WithDefault("s3://models/,s3://calibration/")
    List<String> uploadPrefixes();

    /** Roots an {@code output_prefix} must lie under; default: {@code optin.coordinator.output-prefix} alone. */
    Optional<List<String>> outputRoots();

    /**
     * Model name -> the principals (token {@code upn}) that may submit jobs for it, and so register its versions;
     * {@code admin} may always. A name not listed here may be used by any caller with the {@code jobs} role.
     */
    Map<String, List<String>> modelOwners();
}
