package io.duckdag.pipeline;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks an interpolated {@code with:} against its step type and turns it into a {@link StepConfig}. */
final class StepConfigBinder {
    /**
     * The keys each step type takes under {@code with:} (download by its source). The JSON Schema
     * (schema/pipeline.schema.json) lists the same; a test fails when they part.
     */
    static final java.util.Map<String, Set<String>> WITH_KEYS = java.util.Map.of(
            "compact", Set.of("table", "full", "target_file_size", "row_group_size"),
            "verify", Set.of("table"),
            "swap", Set.of("table"),
            "sync-metadata", Set.of("tables"),
            "download:demo", Set.of("source", "tables", "date", "seed", "rows", "files"),
            "download:http", Set.of("source", "url", "to", "sha256"),
            "shell", Set.of("command", "env", "workdir"),
            "sql", Set.of("sql", "database"));

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final Pipeline pipeline;

    StepConfigBinder(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    /**
     * @param stepName how the step is named in messages ("step 'compact' (item income)")
     * @param item     the foreach item, or null
     */
    StepConfig bind(StepSpec spec, Node.Mapping with, String stepName, String item, String runDate) {
        String where = "'with' of " + stepName;
        return switch (spec.type()) {
            case DOWNLOAD -> download(with, where, runDate);
            case SHELL -> shell(with, where);
            case SQL -> sql(with, where);
            case COMPACT -> {
                Nodes.allowOnly(with, WITH_KEYS.get("compact"), where);
                yield new StepConfig.Compact(
                        oneTable(spec, with, where, item),
                        with.get("full").map(n -> Nodes.bool(n, "full")).orElse(false),
                        with.get("target_file_size").map(n -> Nodes.size(n, "target_file_size"))
                                .orElse(StepConfig.Compact.DEFAULT_TARGET_FILE_SIZE),
                        with.get("row_group_size").map(n -> Nodes.integer(n, "row_group_size", 1024))
                                .orElse(StepConfig.Compact.DEFAULT_ROW_GROUP_SIZE));
            }
            case VERIFY -> {
                Nodes.allowOnly(with, WITH_KEYS.get("verify"), where);
                yield new StepConfig.Verify(oneTable(spec, with, where, item));
            }
            case SWAP -> {
                Nodes.allowOnly(with, WITH_KEYS.get("swap"), where);
                yield new StepConfig.Swap(oneTable(spec, with, where, item));
            }
            case SYNC_METADATA -> {
                Nodes.allowOnly(with, WITH_KEYS.get("sync-metadata"), where);
                yield new StepConfig.SyncMetadata(tables(with, where));
            }
        };
    }

    private StepConfig download(Node.Mapping with, String where, String runDate) {
        Node sourceNode = Nodes.required(with, "source", where);
        String source = Nodes.text(sourceNode, "source");
        switch (source) {
            case "demo": {
                Nodes.allowOnly(with, WITH_KEYS.get("download:demo"), where + " (source: demo)");
                String date = runDate;
                Optional<Node> dateNode = with.get("date");
                if (dateNode.isPresent()) {
                    date = Nodes.text(dateNode.get(), "date");
                    if (!DATE.matcher(date).matches()) {
                        throw new PipelineException(dateNode.get().location(), "date must be written YYYY-MM-DD, but is '" + date + "'");
                    }
                }
                return new StepConfig.DemoDownload(
                        tables(with, where),
                        date,
                        with.get("seed").map(n -> Nodes.longValue(n, "seed")).orElse(StepConfig.DemoDownload.DEFAULT_SEED),
                        with.get("rows").map(n -> Nodes.integer(n, "rows", 0)).orElse(StepConfig.DemoDownload.DEFAULT_ROWS),
                        with.get("files").map(n -> Nodes.integer(n, "files", 1)).orElse(StepConfig.DemoDownload.DEFAULT_FILES));
            }
            case "http": {
                Nodes.allowOnly(with, WITH_KEYS.get("download:http"), where + " (source: http)");
                Node urlNode = Nodes.required(with, "url", where + " (source: http)");
                String url = Nodes.text(urlNode, "url");
                if (!url.startsWith("http://") && !url.startsWith("https://")) {
                    throw new PipelineException(urlNode.location(), "url must start with http:// or https://, but is '" + url + "'");
                }
                Path to = Path.of(Nodes.text(Nodes.required(with, "to", where + " (source: http)"), "to"));
                Optional<String> sha = Optional.empty();
                Optional<Node> shaNode = with.get("sha256");
                if (shaNode.isPresent()) {
                    String hex = Nodes.text(shaNode.get(), "sha256");
                    if (!SHA256.matcher(hex).matches()) {
                        throw new PipelineException(shaNode.get().location(), "sha256 must be 64 hexadecimal digits");
                    }
                    sha = Optional.of(hex.toLowerCase());
                }
                return new StepConfig.HttpDownload(url, to, sha);
            }
            default:
                throw new PipelineException(sourceNode.location(), "unknown download source '" + source
                        + "'" + Suggestions.hint(source, List.of("demo", "http")) + " (known sources: demo, http)");
        }
    }

    private static StepConfig shell(Node.Mapping with, String where) {
        Nodes.allowOnly(with, WITH_KEYS.get("shell"), where);
        Node command = Nodes.required(with, "command", where);
        Optional<String> script = Optional.empty();
        List<String> argv = List.of();
        if (command instanceof Node.Sequence) {
            argv = Nodes.texts(command, "command");
            if (argv.isEmpty()) {
                throw new PipelineException(command.location(), "command must not be an empty list");
            }
        } else {
            script = Optional.of(Nodes.text(command, "command"));
            if (script.get().isBlank()) {
                throw new PipelineException(command.location(), "command must not be empty");
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        Optional<Node> envNode = with.get("env");
        if (envNode.isPresent()) {
            for (Node.Entry e : Nodes.mapping(envNode.get(), "env").entries()) {
                if (!e.key().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new PipelineException(e.keyLocation(), "'" + e.key() + "' is not a valid environment variable name");
                }
                env.put(e.key(), Nodes.text(e.value(), "env." + e.key()));
            }
        }
        Optional<Path> workdir = Nodes.optionalText(with, "workdir", "workdir").map(Path::of);
        return new StepConfig.Shell(script, argv, env, workdir);
    }

    private static StepConfig sql(Node.Mapping with, String where) {
        Nodes.allowOnly(with, WITH_KEYS.get("sql"), where);
        Node sqlNode = Nodes.required(with, "sql", where);
        String sql = Nodes.text(sqlNode, "sql");
        if (sql.isBlank()) {
            throw new PipelineException(sqlNode.location(), "sql must not be empty");
        }
        return new StepConfig.Sql(sql, Nodes.optionalText(with, "database", "database").map(Path::of));
    }

    private String oneTable(StepSpec spec, Node.Mapping with, String where, String item) {
        Optional<Node> tableNode = with.get("table");
        if (tableNode.isPresent()) {
            String name = Nodes.text(tableNode.get(), "table");
            return declaredTable(name, tableNode.get().location());
        }
        if (spec.foreach().isPresent() && spec.foreach().get().overTables()) {
            return item;
        }
        throw new PipelineException(spec.location(), "a " + spec.type() + " step works on one table: add 'foreach: tables' or 'with: { table: NAME }'");
    }

    private List<String> tables(Node.Mapping with, String where) {
        Optional<Node> node = with.get("tables");
        if (node.isEmpty()) {
            return pipeline.tableNames();
        }
        List<String> names = Nodes.names(node.get(), "tables");
        List<Node> places = node.get() instanceof Node.Sequence seq ? seq.items() : List.of(node.get());
        for (int i = 0; i < names.size(); i++) {
            declaredTable(names.get(i), places.get(i).location());
        }
        return names;
    }

    private String declaredTable(String name, Location at) {
        Identifiers.require(name, "a table name", at);
        if (pipeline.table(name).isEmpty()) {
            String known = pipeline.tableNames().isEmpty() ? " (the pipeline declares no tables)"
                    : Suggestions.hint(name, pipeline.tableNames()).isEmpty()
                    ? " (declared tables: " + String.join(", ", pipeline.tableNames()) + ")"
                    : Suggestions.hint(name, pipeline.tableNames());
            throw new PipelineException(at, "table '" + name + "' is not declared under 'tables:'" + known);
        }
        return name;
    }
}
