package io.duckdag.lake;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One Hive partition of a table: its column values ({@code year=2024}) and its folder relative
 * to the table root. An unpartitioned table has one partition, the table root itself ({@code path} "").
 */
public record Partition(Map<String, String> values, String path) {
    public Partition {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Partition of(Map<String, String> values) {
        String path = values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("/"));
        return new Partition(values, path);
    }

    public Path dirIn(Path tableRoot) {
        return path.isEmpty() ? tableRoot : tableRoot.resolve(path);
    }

    /** How it reads in messages: "year=2024", or "(whole table)". */
    public String label() {
        return path.isEmpty() ? "(whole table)" : path;
    }

    /**
     * A folder's value as Hive wrote it, decoded: {@code %3A} is ':', and
     * {@code __HIVE_DEFAULT_PARTITION__} is NULL (returned as null). DuckDB reads folders the same way.
     */
    public static String decode(String folderValue) {
        if (folderValue.equals("__HIVE_DEFAULT_PARTITION__")) {
            return null;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        byte[] raw = folderValue.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%' && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
                bytes.write(Integer.parseInt(new String(raw, i + 1, 2, java.nio.charset.StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                bytes.write(raw[i]);
            }
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }
}
