package dev.optinfleet.fleet.s3;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Where object storage is, prefix {@code optin.s3}; in production from S3_ENDPOINT, S3_ACCESS_KEY, ... Both
 * applications read these same keys, so that one ConfigMap serves them.
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
