package dev.optinfleet.fleet.kafka;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordsTest {

    @Test
    void twoJobsSameTaskIdGetDifferentKeysAndOneJobsTaskKeepsItsKey() {
        assertNotEquals(Records.taskKey("job-a", "L0-u0-s0"), Records.taskKey("job-b", "L0-u0-s0"));
        // Stable: a republished or redelivered task has the key (and so the partition) of its first send.
        assertEquals(Records.taskKey("job-a", "L0-u0-s0"), Records.taskKey("job-a", "L0-u0-s0"));
        assertEquals("job-a/L0-u0-s0", Records.taskKey("job-a", "L0-u0-s0"));
    }

    @Test
    void manyJobsWithTheSameTaskIdsSpreadOverThePartitions() {
        // Kafka's default partitioner for a keyed record: toPositive(murmur2(key bytes)) % partitions.
        int partitions = 32;
        Set<Integer> used = new HashSet<>();
        for (int job = 0; job < 64; job++) {
            byte[] key = Records.taskKey("job-" + job, "L0-u0-s0").getBytes(StandardCharsets.UTF_8);
            used.add(Utils.toPositive(Utils.murmur2(key)) % partitions);
        }
        // Keyed by the task id alone, all 64 would share one partition.
        assertTrue(used.size() > partitions / 2, "partitions used by 64 jobs' task L0-u0-s0: " + used);
    }
}
