package io.duckdag.pipeline;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DuckDB release named the way DuckDB's {@code STORAGE_VERSION} option and its
 * {@code storage_version} tag name it ({@code v1.0.0}): a database file written in it opens
 * in that release and every later one.
 */
public record StorageVersion(int major, int minor, int patch) implements Comparable<StorageVersion> {
    /** The oldest version duckdag writes in; DuckDB 1.0 is also the first with a stable file format. */
    public static final StorageVersion V1_0_0 = new StorageVersion(1, 0, 0);

    private static final Pattern TEXT = Pattern.compile("v(\\d{1,4})\\.(\\d{1,4})\\.(\\d{1,4})");
    private static final Comparator<StorageVersion> ORDER = Comparator.comparingInt(StorageVersion::major)
            .thenComparingInt(StorageVersion::minor).thenComparingInt(StorageVersion::patch);

    public StorageVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers are not negative");
        }
    }

    /** {@code v1.0.0}; anything else (also DuckDB's {@code latest}) is empty. */
    public static Optional<StorageVersion> parse(String text) {
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new StorageVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3))));
    }

    public boolean isNewerThan(StorageVersion other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(StorageVersion other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return "v" + major + "." + minor + "." + patch;
    }
}
