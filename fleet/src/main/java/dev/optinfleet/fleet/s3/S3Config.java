package dev.optinfleet.fleet.s3;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

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

    /** Establishing a connection to the S3 API; the client's own default was 5 minutes. */
    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest silence while reading a response (between two reads, not the whole download). */
    @WithDefault("60s")
    Duration readTimeout();

    /** Longest stall while writing a request body. */
    @WithDefault("60s")
    Duration writeTimeout();

    /** How background storage work (planning, outputs, a worker's downloads) rides out an outage. */
    Retry retry();

    /** Doubling backoff from initial-backoff to max-backoff, for as long as the deadline allows. */
    interface Retry {
        /**
         * How long after the first failed attempt the work keeps trying; an outage shorter than this costs time,
         * not the job. Past it, the coordinator fails the job naming the object and the worker gives the task back.
         */
        @WithDefault("5m")
        Duration deadline();

        /** Wait after the first failure; doubled after each. */
        @WithDefault("500ms")
        Duration initialBackoff();

        /** Longest single wait. */
        @WithDefault("30s")
        Duration maxBackoff();
    }
}
