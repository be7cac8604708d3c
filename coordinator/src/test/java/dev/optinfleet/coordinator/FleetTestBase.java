package dev.optinfleet.coordinator;

import dev.optinfleet.storage.ObjectStore;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.net.URL;

/**
 * What every test of the coordinator on the real broker and S3 server starts with: the REST API once the
 * coordinator is ready ({@link #api}, an admin's token), a worker on the task topic ({@link #worker}), the store.
 * Subclasses keep their own {@code @QuarkusTest} and test resource; their own set-up runs after this one.
 */
abstract class FleetTestBase {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL root;

    @Inject
    ObjectStore store;

    TestWorker worker;
    Api api;

    @BeforeEach
    void startApiAndWorker() {
        api = new Api(root);
        api.awaitReady();
        worker = new TestWorker(bootstrapServers);
    }

    @AfterEach
    void closeWorker() {
        worker.close();
    }
}
