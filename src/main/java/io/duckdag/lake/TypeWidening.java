package io.duckdag.lake;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which DuckDB types a column may be widened between when files disagree: only where every
 * value of the narrower type converts exactly (the README has the table). Anything else is
 * a conflict the user settles by declaring the column's type. Types are DuckDB's own names
 * ({@code BIGINT}, {@code DECIMAL(18,2)}, {@code INTEGER[]}).
 */
public final class TypeWidening {
    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");

    /** Bits of the signed integer types. */
    private static final Map<String, Integer> SIGNED = Map.of("TINYINT", 8, "SMALLINT", 16, "INTEGER", 32, "BIGINT", 64, "HUGEINT", 128);
    /** Bits of the unsigned integer types. */
    private static final Map<String, Integer> UNSIGNED = Map.of("UTINYINT", 8, "USMALLINT", 16, "UINTEGER", 32, "UBIGINT", 64, "UHUGEINT", 128);
    /** Decimal digits the largest value of each integer type needs. */
    private static final Map<String, Integer> DIGITS = Map.of("TINYINT", 3, "SMALLINT", 5, "INTEGER", 10, "BIGINT", 19, "HUGEINT", 39,
            "UTINYINT", 3, "USMALLINT", 5, "UINTEGER", 10, "UBIGINT", 20, "UHUGEINT", 39);
    /** Timestamps of a coarser unit fit exactly into microseconds. */
    private static final List<String> COARSE_TIMESTAMPS = List.of("TIMESTAMP_S", "TIMESTAMP_MS");

    private TypeWidening() {
    }

    /** True if every value of type {@code from} converts exactly to {@code to}. */
    public static boolean exact(String from, String to) {
        if (from.equals(to) || from.equals("\"NULL\"") || from.equals("NULL")) {
            return true;
        }
        if (from.endsWith("[]") && to.endsWith("[]")) {
            return exact(from.substring(0, from.length() - 2), to.substring(0, to.length() - 2));
        }
        if (SIGNED.containsKey(from) && SIGNED.containsKey(to)) {
            return SIGNED.get(from) <= SIGNED.get(to);
        }
        if (UNSIGNED.containsKey(from) && UNSIGNED.containsKey(to)) {
            return UNSIGNED.get(from) <= UNSIGNED.get(to);
        }
        if (UNSIGNED.containsKey(from) && SIGNED.containsKey(to)) {
            return UNSIGNED.get(from) < SIGNED.get(to);
        }
        if (isInteger(from) && to.equals("FLOAT")) {
            return bits(from) <= 16; // FLOAT's 24-bit mantissa
        }
        if (isInteger(from) && to.equals("DOUBLE")) {
            return bits(from) <= 32; // DOUBLE's 53-bit mantissa
        }
        if (from.equals("FLOAT") && to.equals("DOUBLE")) {
            return true;
        }
        Matcher target = DECIMAL.matcher(to);
        if (target.matches()) {
            int p = Integer.parseInt(target.group(1));
            int s = Integer.parseInt(target.group(2));
            if (isInteger(from)) {
                return p - s >= DIGITS.get(from);
            }
            Matcher source = DECIMAL.matcher(from);
            if (source.matches()) {
                int p0 = Integer.parseInt(source.group(1));
                int s0 = Integer.parseInt(source.group(2));
                return s >= s0 && p - s >= p0 - s0;
            }
            return false;
        }
        return COARSE_TIMESTAMPS.contains(from) && to.equals("TIMESTAMP");
    }

    /**
     * The type every one of {@code types} widens to exactly: one of them if it holds all the
     * others, else a DECIMAL wide enough for all; empty when there is none.
     */
    public static Optional<String> common(Collection<String> types) {
        for (String candidate : types) {
            if (types.stream().allMatch(t -> exact(t, candidate))) {
                return Optional.of(candidate);
            }
        }
        int integerDigits = 0;
        int scale = 0;
        for (String t : types) {
            Matcher d = DECIMAL.matcher(t);
            if (d.matches()) {
                integerDigits = Math.max(integerDigits, Integer.parseInt(d.group(1)) - Integer.parseInt(d.group(2)));
                scale = Math.max(scale, Integer.parseInt(d.group(2)));
            } else if (isInteger(t)) {
                integerDigits = Math.max(integerDigits, DIGITS.get(t));
            } else if (!t.equals("\"NULL\"") && !t.equals("NULL")) {
                return Optional.empty();
            }
        }
        // Never HUGEINT: DuckDB writes it to Parquet as DOUBLE. BIGINT with UBIGINT is DECIMAL(20,0).
        String wide = "DECIMAL(" + (integerDigits + scale) + "," + scale + ")";
        if (integerDigits + scale > 38) {
            return Optional.empty();
        }
        return types.stream().allMatch(t -> exact(t, wide)) ? Optional.of(wide) : Optional.empty();
    }

    private static boolean isInteger(String type) {
        return SIGNED.containsKey(type) || UNSIGNED.containsKey(type);
    }

    private static int bits(String type) {
        return SIGNED.containsKey(type) ? SIGNED.get(type) : UNSIGNED.get(type);
    }
}
