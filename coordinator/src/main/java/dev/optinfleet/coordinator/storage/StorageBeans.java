package dev.optinfleet.coordinator.storage;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.config.S3Config;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageSettings;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The application's one object-store client and its local cache of inputs under {@code <work-dir>/objects}. */
@Singleton
public class StorageBeans {
    /** Subdirectory of the work dir that the object cache owns (it adopts and evicts every file there). */
    public static final String OBJECTS_DIR = "objects";

    @Produces
    @Singleton
    ObjectStore objectStore(S3Config s3) {
        return new ObjectStore(new StorageSettings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region()));
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }

    @Produces
    @Singleton
    ObjectCache objectCache(ObjectStore store, CoordinatorSettings settings) {
        return new ObjectCache(store, settings.workDir().resolve(OBJECTS_DIR), settings.cacheMaxBytes());
    }
}
