package io.duckdag.lake;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The top-level columns of each Parquet file with the DuckDB type it reads them as, from one
 * {@code parquet_schema()} over all the files (footers only; one DESCRIBE per file was eight
 * times slower on 16,000 small files). The schema is flattened there, nested fields after their
 * parent, so the top-level columns are found by walking the tree with each element's child count.
 */
public final class FileSchemas {
    private FileSchemas() {
    }

    public static Map<Path, List<Column>> read(Connection connection, List<Path> files) throws SQLException {
        Map<String, Path> byName = new HashMap<>();
        Map<Path, List<Column>> out = new LinkedHashMap<>();
        for (Path f : files) {
            byName.put(f.toString(), f);
            out.put(f, new ArrayList<>());
        }
        if (files.isEmpty()) {
            return out;
        }
        String sql = "SELECT file_name, name, duckdb_type, num_children FROM parquet_schema(" + TableSql.fileList(files)
                + ") ORDER BY file_name, column_id";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            String current = null;
            List<Integer> open = new ArrayList<>(); // children still to come at each open level; [0] is the root
            while (rs.next()) {
                String file = rs.getString(1);
                int children = rs.getInt(4);
                if (!file.equals(current)) {
                    current = file;
                    open.clear();
                    open.add(children); // the root element: its children are the columns
                    continue;
                }
                if (open.size() == 1) {
                    Path p = byName.get(file);
                    if (p == null) {
                        throw new SQLException("parquet_schema returned a file it was not asked about: " + file);
                    }
                    out.get(p).add(new Column(rs.getString(2), rs.getString(3)));
                }
                open.set(open.size() - 1, open.get(open.size() - 1) - 1);
                if (children > 0) {
                    open.add(children);
                }
                while (open.size() > 1 && open.get(open.size() - 1) == 0) {
                    open.remove(open.size() - 1);
                }
            }
        }
        return out;
    }
}
