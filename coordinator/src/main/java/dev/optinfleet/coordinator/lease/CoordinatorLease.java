package dev.optinfleet.coordinator.lease;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A leader lease through Kafka: every coordinator joins one consumer group on a topic whose partition 0 nobody writes
 * to; the member the group assigns partition 0 to holds the lease. The cooperative sticky assignor leaves the
 * partition with its holder when another coordinator joins, so a newcomer stands by; when the holder stops (or stops
 * heart-beating for the session timeout), the group gives the partition to a waiting one.
 *
 * <p>A holder that loses the partition (revoked or lost in a rebalance, e.g. after a long pause) is told through
 * {@code onLost} and must stop acting at once: another coordinator may already hold the lease.
 *
 * <p>Runs its consumer on its own thread ({@link #run}); {@link #close} leaves the group at once, so a standby takes
 * over without waiting for the session timeout.
 */
public final class CoordinatorLease implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CoordinatorLease.class);

    private final KafkaConsumer<String, String> consumer;
    private final TopicPartition partition;
    private final CompletableFuture<Void> acquired = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onLost;
    private volatile boolean held;

    /**
     * @param connection     bootstrap servers and security settings
     * @param topic          the lease topic (one partition; created when missing)
     * @param group          the consumer group every contender joins
     * @param instance       this contender's name (client id), for logs
     * @param sessionTimeout how long a silent holder keeps the lease
     * @param onLost         called (on the lease thread) when a held lease is lost
     */
    public CoordinatorLease(Map<String, Object> connection, String topic, String group, String instance,
                            Duration sessionTimeout, Runnable onLost) {
        this.partition = new TopicPartition(topic, 0);
        this.onLost = onLost;
        ensureTopic(connection, topic);
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "lease-" + instance);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, sessionTimeout.toMillis() / 4));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    /** Whether this contender holds the lease now. */
    public boolean isHeld() {
        return held;
    }

    /** Completes when the lease is first acquired. */
    public CompletableFuture<Void> acquired() {
        return acquired;
    }

    /** Joins the group and polls until {@link #close}; call on a thread of its own. */
    public void run() {
        try {
            consumer.subscribe(List.of(partition.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition) && !held) {
                        held = true;
                        LOG.infof("lease %s acquired: this coordinator is the active one", partition);
                        acquired.complete(null);
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    lose(partitions, "revoked");
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    lose(partitions, "lost");
                }
            });
            while (!closed.get()) {
                consumer.poll(Duration.ofMillis(500)); // nothing is ever written: polling keeps the membership
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed.get()) {
                LOG.errorf(e, "lease consumer failed: %s", e.getMessage());
                lose(List.of(partition), "failed");
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
            acquired.completeExceptionally(new IllegalStateException("lease closed"));
        }
    }

    private void lose(Collection<TopicPartition> partitions, String how) {
        if (held && partitions.contains(partition) && !closed.get()) {
            held = false;
            LOG.errorf("lease %s %s: another coordinator may be active now; this one must stop", partition, how);
            onLost.run();
        }
    }

    /** Leaves the group (the lease passes to a waiting contender at once). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            held = false;
            consumer.wakeup();
        }
    }

    /** The lease topic must have exactly one partition that matters; create it with one when missing. */
    private static void ensureTopic(Map<String, Object> connection, String topic) {
        try (Admin admin = Admin.create(connection)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1))).all().get(30, TimeUnit.SECONDS);
            LOG.infof("created the lease topic %s", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warnf("cannot create the lease topic %s (%s); expecting it to exist", topic, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.warnf("cannot create the lease topic %s (%s); expecting it to exist", topic, e);
        }
    }
}
