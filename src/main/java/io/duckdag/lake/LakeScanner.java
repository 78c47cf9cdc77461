package io.duckdag.lake;

import io.duckdag.pipeline.TableSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lists a table's partitions and their Parquet files. Only {@code *.parquet} files count, and
 * not those whose names start with '.' or '_' (files being written, markers), so a downloader
 * that writes under a temporary name and renames is never read half-written. Only real folders
 * and regular files count: a symbolic link (a table folder, a partition folder, a file) is never
 * followed, so nothing outside the lake is read or moved through one, and a FIFO, socket or
 * device named {@code x.parquet} is never opened (reading a FIFO would wait forever).
 */
public final class LakeScanner {
    /** Characters DuckDB would read as a glob pattern in a path. */
    private static final Pattern GLOB = Pattern.compile("[*?\\[\\]{}]");

    private LakeScanner() {
    }

    /** Partitions in order, each with its files sorted by name. Folders that are not {@code col=value} are ignored. */
    public static Map<Partition, List<LakeFile>> scan(Path tableRoot, TableSpec table) {
        Map<Partition, List<LakeFile>> out = new TreeMap<>((a, b) -> a.path().compareTo(b.path()));
        if (!Files.isDirectory(tableRoot, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        walk(tableRoot, table.partitionBy(), 0, new LinkedHashMap<>(), out);
        return out;
    }

    private static void walk(Path dir, List<String> columns, int depth, Map<String, String> values,
                             Map<Partition, List<LakeFile>> out) {
        if (depth == columns.size()) {
            List<LakeFile> files = files(dir);
            if (!files.isEmpty()) {
                out.put(Partition.of(values), files);
            }
            return;
        }
        String prefix = columns.get(depth) + "=";
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.sorted().toList()) {
                String name = child.getFileName().toString();
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && name.startsWith(prefix) && name.length() > prefix.length()) {
                    Map<String, String> next = new LinkedHashMap<>(values);
                    next.put(columns.get(depth), name.substring(prefix.length()));
                    walk(child, columns, depth + 1, next, out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parquet files under the table folder that are in none of its partition folders (in the
     * root of a partitioned table, in {@code Year=2024/} when the column is {@code year}, in any
     * other folder): compaction never reads them, so the step log says so. Relative paths, sorted.
     */
    public static List<String> outsidePartitions(Path tableRoot, TableSpec table, java.util.Set<Path> partitionDirs) {
        if (table.partitionBy().isEmpty() || !Files.isDirectory(tableRoot)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(tableRoot)) {
            return all.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        && !partitionDirs.contains(p.getParent());
            }).map(p -> tableRoot.relativize(p).toString()).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // only a warning; a folder that vanished while we looked is no error
        }
    }

    /**
     * How many folder levels below {@code root} hold Parquet files, for a table no pipeline
     * declares; folders whose names start with '.' or '_' are skipped (Spark's _temporary/).
     */
    public static java.util.SortedSet<Integer> fileDepths(Path root) {
        java.util.SortedSet<Integer> depths = new java.util.TreeSet<>();
        depths(root, 0, depths);
        return depths;
    }

    private static void depths(Path dir, int depth, java.util.SortedSet<Integer> out) {
        if (!files(dir).isEmpty()) {
            out.add(depth);
        }
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                if (!name.startsWith(".") && !name.startsWith("_") && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    depths(child, depth + 1, out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The Parquet files directly in {@code dir}, by name. */
    public static List<LakeFile> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<LakeFile> files = new ArrayList<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path p : children.sorted().toList()) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".parquet") || name.startsWith(".") || name.startsWith("_")) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue; // removed while we listed
                }
                if (a.isRegularFile()) {
                    files.add(new LakeFile(name, a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    /**
     * What below the table folder (and the folder itself) is a symbolic link or a special file
     * (FIFO, socket, device), as paths relative to the lake's table folder ({@code "."} for the
     * folder itself), sorted; names starting with '.' or '_' are left out, as everywhere. None of
     * them is part of the table: the step logs and sync-metadata name them.
     */
    public static List<String> notFollowed(Path tableRoot) {
        if (Files.isSymbolicLink(tableRoot)) {
            return List.of(".");
        }
        if (!Files.isDirectory(tableRoot, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(tableRoot)) { // walk never follows a link
            return all.filter(p -> {
                if (p.equals(tableRoot)) {
                    return false;
                }
                String n = p.getFileName().toString();
                if (n.startsWith(".") || n.startsWith("_")) {
                    return false;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return a.isSymbolicLink() || a.isOther();
                } catch (IOException gone) {
                    return false;
                }
            }).map(p -> tableRoot.relativize(p).toString()).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // a folder that vanished while we looked is no error here
        }
    }

    /** True if DuckDB would read {@code path} as a glob pattern rather than one file. */
    public static boolean hasGlobCharacters(Path path) {
        return GLOB.matcher(path.toString()).find();
    }
}
