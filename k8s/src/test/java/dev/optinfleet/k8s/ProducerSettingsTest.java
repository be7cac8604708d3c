package dev.optinfleet.k8s;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, item 1: every producer of both applications waits for all in-sync replicas and is idempotent, so that
 * a record Kafka acknowledged survives a partition-leader failover. Reads the outgoing channels from the
 * applications' own sources (each {@code @Channel(CHANNEL)} emitter's {@code CHANNEL = "..."}, the shared fleet
 * module's included) and checks each one's settings in that application's application.properties.
 */
class ProducerSettingsTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern CHANNEL = Pattern.compile("String CHANNEL = \"([^\"]+)\"");

    @Test
    void everyOutgoingChannelOfBothApplicationsUsesAcksAllAndIdempotence() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String app : List.of("coordinator", "worker")) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(ROOT.resolve(app).resolve(
                    "src/main/resources/application.properties"))) {
                p.load(r);
            }
            Set<String> channels = emitterChannels(ROOT.resolve(app).resolve("src/main/java"));
            channels.addAll(emitterChannels(ROOT.resolve("fleet/src/main/java")));
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("mp.messaging.outgoing.")) {
                    channels.add(key.substring("mp.messaging.outgoing.".length()).split("\\.")[0]);
                }
            }
            assertTrue(channels.size() >= 3, app + " outgoing channels found: " + channels);
            for (String channel : channels) {
                String prefix = "mp.messaging.outgoing." + channel + ".";
                if (!"all".equals(p.getProperty(prefix + "acks"))) {
                    missing.add(app + ": " + prefix + "acks=" + p.getProperty(prefix + "acks"));
                }
                if (!"true".equals(p.getProperty(prefix + "enable.idempotence"))) {
                    missing.add(app + ": " + prefix + "enable.idempotence="
                            + p.getProperty(prefix + "enable.idempotence"));
                }
            }
        }
        assertEquals(List.of(), missing, "producers without acks=all and enable.idempotence=true");
    }

    /** The CHANNEL constants of the classes under {@code dir} that inject an emitter with {@code @Channel(CHANNEL)}. */
    private static Set<String> emitterChannels(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
                String src = Files.readString(f);
                if (src.contains("@Channel(CHANNEL)") && src.contains("Emitter")) {
                    Matcher m = CHANNEL.matcher(src);
                    if (m.find()) {
                        out.add(m.group(1));
                    }
                }
            }
        }
        return out;
    }
}
