package io.duckdag.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.lake.LakeException;
import io.duckdag.lake.MetadataQuery;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.StateJson;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "query", description = "Run one read-only SELECT against the pipeline's metadata_db (the views of the lake) and print the result.")
final class QueryCommand implements Callable<Integer> {
    enum Format { table, csv, json }

    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Parameters(index = "1", paramLabel = "SQL", description = "The query, e.g. \"SELECT count(*) FROM income\".")
    String sql;

    @Option(names = "--format", paramLabel = "FORMAT", description = "table (aligned, the default), csv or json.")
    Format format = Format.table;

    @Override
    public Integer call() throws Exception {
        Pipeline pipeline = options.load(main);
        MetadataQuery.Result result;
        try {
            result = MetadataQuery.run(pipeline.settings().metadataDb(), sql, pipeline.settings().duckdb());
        } catch (IllegalArgumentException e) {
            throw DuckdagException.usage(e.getMessage());
        } catch (LakeException e) {
            throw new DuckdagException(ExitCode.STEP_FAILED, e.getMessage());
        }
        switch (format) {
            case csv -> {
                main.out.println(csvLine(result.columns()));
                result.rows().forEach(r -> main.out.println(csvLine(r)));
            }
            case json -> {
                ArrayNode rows = StateJson.MAPPER.createArrayNode();
                for (List<String> r : result.rows()) {
                    ObjectNode o = rows.addObject();
                    for (int i = 0; i < r.size(); i++) {
                        String name = result.columns().get(i);
                        String v = r.get(i);
                        switch (v == null ? java.sql.Types.NULL : result.types().get(i)) {
                            case java.sql.Types.NULL -> o.putNull(name);
                            case java.sql.Types.TINYINT, java.sql.Types.SMALLINT, java.sql.Types.INTEGER, java.sql.Types.BIGINT,
                                    java.sql.Types.DECIMAL, java.sql.Types.NUMERIC -> o.put(name, new java.math.BigDecimal(v));
                            case java.sql.Types.FLOAT, java.sql.Types.DOUBLE, java.sql.Types.REAL -> {
                                double d = Double.parseDouble(v);
                                if (Double.isFinite(d)) {
                                    o.put(name, d);
                                } else {
                                    o.put(name, v); // JSON has no NaN or infinity
                                }
                            }
                            case java.sql.Types.BOOLEAN -> o.put(name, Boolean.parseBoolean(v));
                            default -> o.put(name, v);
                        }
                    }
                }
                main.out.println(StateJson.MAPPER.writeValueAsString(rows));
            }
            case table -> table(result);
        }
        return 0;
    }

    /** Columns padded to their widest value, numbers right-aligned, NULL spelt out, then the row count. */
    private void table(MetadataQuery.Result result) {
        int n = result.columns().size();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        java.util.Arrays.fill(numeric, true);
        List<List<String>> shown = new ArrayList<>();
        for (List<String> r : result.rows()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String v = r.get(i) == null ? "NULL" : r.get(i).replace("\n", "\\n");
                numeric[i] &= r.get(i) == null || v.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
                cells.add(v);
            }
            shown.add(cells);
        }
        for (int i = 0; i < n; i++) {
            width[i] = result.columns().get(i).length();
            for (List<String> cells : shown) {
                width[i] = Math.max(width[i], cells.get(i).length());
            }
        }
        main.out.println(line(result.columns(), width, new boolean[n]));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < n; i++) {
            rule.append(i > 0 ? "  " : "").append("-".repeat(width[i]));
        }
        main.out.println(rule);
        shown.forEach(cells -> main.out.println(line(cells, width, numeric)));
        main.out.println("(" + result.rows().size() + (result.rows().size() == 1 ? " row)" : " rows)"));
    }

    private static String line(List<String> cells, int[] width, boolean[] right) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String pad = " ".repeat(width[i] - cells.get(i).length());
            b.append(i > 0 ? "  " : "").append(right[i] ? pad + cells.get(i) : cells.get(i) + (i == cells.size() - 1 ? "" : pad));
        }
        return b.toString();
    }

    private static String csvLine(List<String> cells) {
        List<String> out = new ArrayList<>();
        for (String c : cells) {
            if (c == null) {
                out.add("");
            } else if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
                out.add("\"" + c.replace("\"", "\"\"") + "\"");
            } else {
                out.add(c);
            }
        }
        return String.join(",", out);
    }
}
