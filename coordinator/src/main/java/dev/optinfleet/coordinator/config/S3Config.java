package dev.optinfleet.coordinator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Where object storage is, prefix {@code optin.s3}; in production from S3_ENDPOINT, S3_ACCESS_KEY, ... The worker
 * has the same mapping; both applications read the same keys so that one ConfigMap serves them.
 */
@ConfigMapping(prefix = "optin.s3")
public interface S3Config {

    /** {@code http(s)://host[:port]} of the S3 API. */
    String endpoint();

    String accessKey();

    String secretKey();

    @WithDefault("us-east-1")
    String region();
}
