package dev.optinfleet.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary sibling ({@code .<name>*.part}) and a rename, so that readers (a loader, a
 * concurrent extractor, an uploader) never see a half-written file and a crash leaves the old file or the new one.
 * Every atomic file write of the project goes through here.
 */
public final class AtomicFiles {

    /** Writes the content of a file given its (temporary) path. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path tmp) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Creates the parent directories, writes through a temporary sibling and renames it over {@code target}. */
    public static void write(Path target, Content content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        try {
            content.writeTo(tmp);
            moveReplacing(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The text as UTF-8, atomically.
     *
     * @throws UncheckedIOException naming the file
     */
    public static void writeString(Path target, String text) {
        try {
            write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** The stream's bytes, atomically. */
    public static void copy(InputStream in, Path target) throws IOException {
        write(target, tmp -> Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING));
    }

    /** A file's bytes, atomically. */
    public static void copy(Path source, Path target) throws IOException {
        write(target, tmp -> Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING));
    }

    /**
     * Renames {@code from} over {@code to}: atomically where the file system can, else a plain replacing move (the
     * two are siblings, so that is still one rename on every local file system).
     */
    public static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
