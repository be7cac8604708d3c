package dev.optinfleet.cli.fleet;

import java.nio.file.Path;

/**
 * Where a downloaded object goes below {@code --out}: its key relative to the job's output prefix, refused when it
 * could land elsewhere (an absolute key, a {@code ..} segment, a drive or a NUL), since keys are written by whoever
 * could write the bucket, not by this CLI.
 */
public final class OutDir {
    private OutDir() {
    }

    /**
     * {@code out/relative}, checked.
     *
     * @throws IllegalArgumentException naming the key when it is empty, absolute, has a {@code .}/{@code ..}
     *                                  segment or would resolve outside {@code out}
     */
    public static Path resolve(Path out, String relative, String key) {
        if (relative.isEmpty() || relative.startsWith("/") || relative.startsWith("\\") || relative.indexOf('\0') >= 0
                || relative.contains(":")) {
            throw refused(key, out, "it is empty, absolute or names a drive");
        }
        for (String segment : relative.split("[/\\\\]", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw refused(key, out, "it has a '" + segment + "' segment");
            }
        }
        Path root = out.toAbsolutePath().normalize();
        Path target = root.resolve(relative).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw refused(key, out, "it resolves to " + target);
        }
        return target;
    }

    private static IllegalArgumentException refused(String key, Path out, String why) {
        return new IllegalArgumentException("refusing to download object key '" + key + "' below --out " + out
                + ": " + why + "; nothing outside --out is ever written");
    }
}
