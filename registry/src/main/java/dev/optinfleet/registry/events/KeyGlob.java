package dev.optinfleet.registry.events;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A glob over object keys: {@code *} matches within one path segment, {@code **} across segments ({@code a/**}
 * matches everything under {@code a/}; {@code **}{@code /x} matches {@code x} at any depth, the root included),
 * {@code ?} one character other than {@code /}; everything else literally. Immutable.
 */
public final class KeyGlob {
    private final String glob;
    private final Pattern pattern;

    private KeyGlob(String glob, Pattern pattern) {
        this.glob = glob;
        this.pattern = pattern;
    }

    /**
     * @throws IllegalArgumentException when the glob is blank or starts with {@code /}
     */
    public static KeyGlob of(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("key glob must not be blank, was '" + glob + "'");
        }
        if (glob.startsWith("/")) {
            throw new IllegalArgumentException("key glob must not start with '/' (keys do not), was '" + glob + "'");
        }
        StringBuilder regex = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                boolean slashAfter = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                regex.append(slashAfter ? "(?:.*/)?" : ".*");
                i += slashAfter ? 3 : 2;
            } else if (c == '*') {
                regex.append("[^/]*");
                i++;
            } else if (c == '?') {
                regex.append("[^/]");
                i++;
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
                i++;
            }
        }
        return new KeyGlob(glob, Pattern.compile(regex.toString()));
    }

    public boolean matches(String key) {
        return pattern.matcher(Objects.requireNonNull(key, "key")).matches();
    }

    @Override
    public String toString() {
        return glob;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyGlob other && other.glob.equals(glob);
    }

    @Override
    public int hashCode() {
        return glob.hashCode();
    }
}
