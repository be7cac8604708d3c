package dev.optinfleet.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * What this module's build wrote down for run time: where the s3proxy jar and the broker classpath lie in the local
 * Maven repository of the machine that built it (see {@code embedded/pom.xml}, executions of the dependency plugin,
 * and the filtered {@code embedded-build.properties}).
 */
final class BuildInfo {

    private static final String PROPERTIES = "embedded-build.properties";
    private static final String KAFKA_CLASSPATH = "kafka-process.classpath";

    private final Properties properties;

    private BuildInfo(Properties properties) {
        this.properties = properties;
    }

    static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(PROPERTIES)) {
            if (in == null) {
                throw new IllegalStateException(PROPERTIES + " is missing from the classpath next to "
                        + BuildInfo.class.getName() + "; build the module with Maven (mvn install -pl embedded)");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PROPERTIES, e);
        }
        return new BuildInfo(properties);
    }

    Optional<String> get(String key) {
        String value = properties.getProperty(key);
        return value == null || value.isBlank() || value.contains("${") ? Optional.empty() : Optional.of(value.trim());
    }

    /** The broker's runtime classpath as written by {@code dependency:build-classpath}, one entry a jar. */
    List<Path> kafkaClasspath() {
        try (InputStream in = BuildInfo.class.getResourceAsStream(KAFKA_CLASSPATH)) {
            if (in == null) {
                throw new IllegalStateException(KAFKA_CLASSPATH + " is missing from the classpath; build the module "
                        + "with Maven (mvn install -pl embedded)");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            List<Path> entries = new ArrayList<>();
            for (String entry : text.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    entries.add(Path.of(entry.trim()));
                }
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + KAFKA_CLASSPATH, e);
        }
    }

    /** The first candidate that is a regular file, or an exception listing every candidate tried. */
    static Path firstExisting(String what, List<Path> candidates, String remedy) {
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(what + " not found; tried " + candidates + ". " + remedy);
    }

    /** The path of the {@code java} launcher of the running JVM, so children run on the same Java. */
    static Path javaBinary() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            throw new IllegalStateException("no java launcher at " + java + " (java.home="
                    + System.getProperty("java.home") + ")");
        }
        return java;
    }
}
