package dev.optinfleet.fleet.s3;

import dev.optinfleet.fleet.FleetSettings;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.Sleeper;
import dev.optinfleet.storage.StorageRetry;
import dev.optinfleet.storage.StorageSettings;
import dev.optinfleet.storage.StorageTimeouts;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's one object-store client (with {@link S3Config}'s timeouts), its local cache under
 * {@link FleetSettings#objectsDir()}, and the {@link StorageRetry} every background storage call goes through
 * ({@code optin.s3.retry.*}). The {@link Sleeper} it waits with is a default bean, so a test can replace it.
 */
@Singleton
public class StorageBeans {
    /** Subdirectory of the work (coordinator) or cache (worker) dir that the object cache owns. */
    public static final String OBJECTS_DIR = "objects";

    @Produces
    @Singleton
    ObjectStore objectStore(S3Config s3) {
        return new ObjectStore(new StorageSettings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region()),
                new StorageTimeouts(s3.connectTimeout(), s3.readTimeout(), s3.writeTimeout()));
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }

    @Produces
    @Singleton
    ObjectCache objectCache(ObjectStore store, FleetSettings settings) {
        return new ObjectCache(store, settings.objectsDir(), settings.cacheMaxBytes());
    }

    @Produces
    @Singleton
    @DefaultBean
    Sleeper sleeper() {
        return Sleeper.SYSTEM;
    }

    @Produces
    @Singleton
    StorageRetry storageRetry(S3Config s3, Sleeper sleeper) {
        return StorageRetry.untilDeadline("optin.s3.retry", s3.retry().deadline(), s3.retry().initialBackoff(),
                s3.retry().maxBackoff(), sleeper, System::nanoTime);
    }
}
