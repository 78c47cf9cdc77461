package io.duckdag.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reads from {@link Node}s, each failing with the value's place and what was expected. */
public final class Nodes {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", Pattern.CASE_INSENSITIVE);

    private Nodes() {
    }

    public static Node.Mapping mapping(Node node, String what) {
        if (node instanceof Node.Mapping m) {
            return m;
        }
        throw new PipelineException(node.location(), what + " must be a mapping (key: value lines), but is " + node.describe());
    }

    /** A mapping, where an empty value ({@code key:}) counts as an empty mapping. */
    public static Node.Mapping mappingOrEmpty(Node node, String what) {
        // Jackson reports an empty plain value as an empty string rather than null.
        if (node instanceof Node.Scalar s && (s.isNull() || (s.kind() == Node.Scalar.Kind.STRING && s.text().isEmpty()))) {
            return new Node.Mapping(List.of(), node.location());
        }
        return mapping(node, what);
    }

    /** Refuses keys outside {@code allowed}, suggesting the closest one. */
    public static void allowOnly(Node.Mapping mapping, Set<String> allowed, String where) {
        for (Node.Entry entry : mapping.entries()) {
            if (!allowed.contains(entry.key())) {
                String hint = Suggestions.hint(entry.key(), allowed);
                String list = hint.isEmpty() ? "; known keys: " + String.join(", ", allowed.stream().sorted().toList()) : hint;
                throw new PipelineException(entry.keyLocation(), "unknown key '" + entry.key() + "' in " + where + list);
            }
        }
    }

    public static Node required(Node.Mapping mapping, String key, String where) {
        return mapping.get(key).orElseThrow(() -> new PipelineException(mapping.location(),
                where + " needs '" + key + ":'"));
    }

    /** Any scalar but null, as written: {@code 0755} stays "0755" and {@code NO} stays "NO". */
    public static String text(Node node, String what) {
        if (node instanceof Node.Scalar s && !s.isNull()) {
            return s.text();
        }
        throw new PipelineException(node.location(), what + " must be a single value, but is " + node.describe());
    }

    public static Optional<String> optionalText(Node.Mapping mapping, String key, String what) {
        return mapping.get(key).map(n -> text(n, what));
    }

    public static int integer(Node node, String what, int min) {
        if (node instanceof Node.Scalar s && (s.kind() == Node.Scalar.Kind.INTEGER || s.kind() == Node.Scalar.Kind.STRING)) {
            try {
                int value = Integer.parseInt(s.text().strip());
                if (value >= min) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new PipelineException(node.location(), what + " must be a whole number of at least " + min + ", but is " + node.describe());
    }

    public static long longValue(Node node, String what) {
        if (node instanceof Node.Scalar s && (s.kind() == Node.Scalar.Kind.INTEGER || s.kind() == Node.Scalar.Kind.STRING)) {
            try {
                return Long.parseLong(s.text().strip());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new PipelineException(node.location(), what + " must be a whole number, but is " + node.describe());
    }

    public static boolean bool(Node node, String what) {
        if (node instanceof Node.Scalar s) {
            String t = s.text().strip();
            if (t.equals("true") || t.equals("false")) {
                return Boolean.parseBoolean(t);
            }
        }
        if (node instanceof Node.Scalar s && s.text().strip().matches("(?i)y|n|yes|no|on|off")) {
            String t = s.text().strip();
            boolean meant = t.matches("(?i)y|yes|on");
            // YAML 1.1 (which Jackson reads) takes yes/no/on/off as booleans; YAML 1.2 and every
            // editor's YAML take them as text. One meaning only: true and false.
            throw new PipelineException(node.location(), what + " must be true or false, but is '" + t + "', which YAML 1.1 reads "
                    + "as " + meant + " and YAML 1.2 (your editor's) as text; write " + what + ": " + meant);
        }
        throw new PipelineException(node.location(), what + " must be true or false, but is " + node.describe());
    }

    /** A list of single values; one value alone counts as a list of one. */
    public static List<String> texts(Node node, String what) {
        if (node instanceof Node.Scalar) {
            return List.of(text(node, what));
        }
        if (!(node instanceof Node.Sequence seq)) {
            throw new PipelineException(node.location(), what + " must be a list, but is " + node.describe());
        }
        List<String> out = new ArrayList<>();
        for (Node item : seq.items()) {
            out.add(text(item, "each entry of " + what));
        }
        return out;
    }

    /** A list of plain names (see {@link Identifiers}), without repeats. */
    public static List<String> names(Node node, String what) {
        List<String> names = texts(node, what);
        List<Node> places = node instanceof Node.Sequence seq ? seq.items() : List.of(node);
        for (int i = 0; i < names.size(); i++) {
            Identifiers.require(names.get(i), "each entry of " + what, places.get(i).location());
            if (names.subList(0, i).contains(names.get(i))) {
                throw new PipelineException(places.get(i).location(), what + " names '" + names.get(i) + "' twice");
            }
        }
        return names;
    }

    /**
     * A list of column names without repeats. Any name a Parquet file can hold is accepted (spaces,
     * dots, quotes, non-ASCII; every statement quotes it); a partition column's name is also part of
     * its folder name ({@code name=value}), so there it must not hold '/' or '='.
     */
    public static List<String> columnNames(Node node, String what, boolean folder) {
        List<String> names = texts(node, what);
        List<Node> places = node instanceof Node.Sequence seq ? seq.items() : List.of(node);
        for (int i = 0; i < names.size(); i++) {
            Identifiers.requireColumn(names.get(i), "each entry of " + what, folder, places.get(i).location());
            if (names.subList(0, i).contains(names.get(i))) {
                throw new PipelineException(places.get(i).location(), what + " names '" + names.get(i) + "' twice");
            }
        }
        return names;
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, or a whole number of seconds. */
    public static Duration duration(Node node, String what) {
        String t = text(node, what).strip();
        if (t.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        throw new PipelineException(node.location(), what + " must be a duration such as 500ms, 30s, 5m or 2h, but is " + node.describe());
    }

    /** {@code 512MB}, {@code 1GB}, {@code 2GiB}: kept as written for DuckDB, checked here. */
    public static String size(Node node, String what) {
        String t = text(node, what).strip();
        if (SIZE.matcher(t).matches()) {
            return t;
        }
        throw new PipelineException(node.location(), what + " must be a size such as 512MB, 1GB or 2GiB, but is " + node.describe());
    }

    /** The number of bytes a checked {@link #size} stands for. */
    public static long bytes(String size) {
        Matcher m = SIZE.matcher(size.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: " + size);
        }
        double n = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toUpperCase()) {
            case "B" -> 1L;
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "TB" -> 1000L * 1000 * 1000 * 1000;
            case "KIB" -> 1024L;
            case "MIB" -> 1024L * 1024;
            case "GIB" -> 1024L * 1024 * 1024;
            default -> 1024L * 1024 * 1024 * 1024;
        };
        return (long) (n * unit);
    }
}
