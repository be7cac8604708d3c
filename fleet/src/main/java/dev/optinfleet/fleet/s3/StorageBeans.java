package dev.optinfleet.fleet.s3;

import dev.optinfleet.fleet.FleetSettings;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageSettings;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The application's one object-store client and its local cache under {@link FleetSettings#objectsDir()}. */
@Singleton
public class StorageBeans {
    /** Subdirectory of the work (coordinator) or cache (worker) dir that the object cache owns. */
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
    ObjectCache objectCache(ObjectStore store, FleetSettings settings) {
        return new ObjectCache(store, settings.objectsDir(), settings.cacheMaxBytes());
    }
}
