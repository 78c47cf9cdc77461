package io.duckdag.pipeline;

import io.duckdag.DuckdagException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jgrapht.Graph;
import org.jgrapht.GraphPath;
import org.jgrapht.alg.cycle.CycleDetector;
import org.jgrapht.alg.shortestpath.BFSShortestPath;
import org.jgrapht.graph.DefaultDirectedGraph;
import org.jgrapht.graph.DefaultEdge;

/**
 * Reads a pipeline file and validates everything that can be checked without running it:
 * keys at every level, names, references between steps, cycles, and every {@code with:}
 * (by expanding it once, as a run would).
 */
public final class PipelineLoader {
    static final Set<String> ROOT_KEYS = orderedSet("pipeline", "description", "settings", "params", "tables", "steps");
    static final Set<String> SETTINGS_KEYS = orderedSet("lake", "staging", "backups", "quarantine", "metadata_db",
            "metadata_storage_version", "state_dir", "max_parallel", "keep_backups", "duckdb");
    static final Set<String> DUCKDB_KEYS = orderedSet("memory_limit", "threads", "temp_directory");
    static final Set<String> TABLE_KEYS = orderedSet("partition_by", "sort_by", "key", "columns", "on_unreadable");
    /** A DuckDB type as written in {@code columns:}: a name, then parentheses or brackets; never a quote or ';'. */
    private static final java.util.regex.Pattern TYPE = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9_ ]*([(\\[][A-Za-z0-9_ ,()\\[\\]]*)?");
    static final Set<String> STEP_KEYS = orderedSet("id", "type", "depends_on", "foreach", "with", "retries",
            "retry_delay", "timeout", "enabled", "trigger_rule");

    private final Map<String, String> env;
    private final StepTypes types;
    private final YamlReader yaml = new YamlReader();

    public PipelineLoader(Map<String, String> env, StepTypes types) {
        this.env = Map.copyOf(env);
        this.types = types;
    }

    /**
     * @param paramOverrides values given with {@code --param}; each must name a declared param
     * @param runId          the id that {@code ${run.id}} resolves to while checking steps
     * @param runDate        likewise for {@code ${run.date}}
     */
    public Pipeline load(Path file, Map<String, String> paramOverrides, String runId, String runDate) {
        return expand(read(file, paramOverrides), runId, runDate);
    }

    /**
     * The pipeline with its steps expanded for this run id and date, which checks every step's
     * {@code with:}; a plan for the same run uses this expansion rather than making another.
     */
    public Pipeline expand(Pipeline pipeline, String runId, String runDate) {
        return pipeline.withExpansion(new Expansion(runId, runDate, new Expander(pipeline, env).expand(runId, runDate)));
    }

    /**
     * Everything but the steps' {@code with:}, which only expansion checks: a caller that
     * learns the run id from the pipeline (its state folder) reads first, then {@link #expand}s.
     */
    public Pipeline read(Path file, Map<String, String> paramOverrides) {
        String display = file.toString();
        String text = YamlReader.readText(file, display);
        Node.Mapping root = yaml.parse(text, display);
        Nodes.allowOnly(root, ROOT_KEYS, "the pipeline");

        Node nameNode = root.get("pipeline").orElseThrow(() -> new PipelineException(root.location(),
                "the file has no 'pipeline:' key; every pipeline needs a name, such as 'pipeline: nightly'"));
        String name = Identifiers.require(Nodes.text(nameNode, "pipeline"), "the pipeline name", nameNode.location());
        String description = Nodes.optionalText(root, "description", "description").orElse("");

        Map<String, String> fromEnv = new LinkedHashMap<>();
        Map<String, String> params = params(root.get("params"), paramOverrides, display, fromEnv);
        Scope outside = Scope.outsideSteps(params, env);
        Settings settings = root.get("settings").map(n -> settings(n, outside)).orElse(Settings.DEFAULT);
        List<TableSpec> tables = root.get("tables").map(PipelineLoader::tables).orElse(List.of());

        Node stepsNode = root.get("steps").orElseThrow(() -> new PipelineException(root.location(),
                "the file has no 'steps:' key; a pipeline needs a list of steps"));
        if (!(stepsNode instanceof Node.Sequence stepList) || stepList.items().isEmpty()) {
            String found = stepsNode instanceof Node.Sequence ? "an empty list" : stepsNode.describe();
            throw new PipelineException(stepsNode.location(), "'steps' must be a list with at least one step, but is " + found);
        }
        List<StepSpec> steps = new ArrayList<>();
        Map<String, StepSpec> byId = new LinkedHashMap<>();
        for (Node stepNode : stepList.items()) {
            StepSpec step = step(stepNode, tables, types);
            StepSpec first = byId.putIfAbsent(step.id(), step);
            if (first != null) {
                throw new PipelineException(step.location(), "duplicate step id '" + step.id() + "' (first used at line "
                        + first.location().line() + "); every step needs its own id");
            }
            steps.add(step);
        }
        checkDependencies(steps, byId);
        checkCycles(steps, byId);

        return new Pipeline(name, description, display, sha256(text), settings, params, tables, steps, null, fromEnv);
    }

    /** @param fromEnv receives, for each param whose value came from {@code ${env.X}}, its text as written */
    private Map<String, String> params(Optional<Node> node, Map<String, String> overrides, String file, Map<String, String> fromEnv) {
        Map<String, String> params = new LinkedHashMap<>();
        if (node.isPresent()) {
            Scope envOnly = Scope.outsideSteps(Map.of(), env);
            for (Node.Entry e : Nodes.mappingOrEmpty(node.get(), "params").entries()) {
                Identifiers.require(e.key(), "a param name", e.keyLocation());
                String value = e.value() instanceof Node.Scalar s && s.isNull() ? "" : Nodes.text(e.value(), "param " + e.key());
                if (e.value() instanceof Node.Scalar s && s.kind() == Node.Scalar.Kind.STRING) {
                    String written = value;
                    value = Interpolator.apply(value, e.value().location(), envOnly);
                    if (!Interpolator.envNamed(e.value(), env).isEmpty()) {
                        fromEnv.put(e.key(), written);
                    }
                }
                params.put(e.key(), value);
            }
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            if (!params.containsKey(o.getKey())) {
                String known = params.isEmpty() ? "it declares no params"
                        : "it declares: " + String.join(", ", params.keySet());
                throw DuckdagException.usage("--param " + o.getKey() + "=" + o.getValue() + ": " + file
                        + " has no param '" + o.getKey() + "'" + Suggestions.hint(o.getKey(), params.keySet())
                        + " (" + known + "); declare it under 'params:' first");
            }
            params.put(o.getKey(), o.getValue());
            fromEnv.remove(o.getKey()); // given on the command line: the user's to show
        }
        return params;
    }

    private static Settings settings(Node node, Scope scope) {
        Node.Mapping m = Nodes.mappingOrEmpty(node, "settings");
        Nodes.allowOnly(m, SETTINGS_KEYS, "settings");
        Settings d = Settings.DEFAULT;
        DuckDbSettings duckdb = d.duckdb();
        Optional<Node> duckdbNode = m.get("duckdb");
        if (duckdbNode.isPresent()) {
            Node.Mapping dm = Nodes.mappingOrEmpty(duckdbNode.get(), "settings.duckdb");
            Nodes.allowOnly(dm, DUCKDB_KEYS, "settings.duckdb");
            duckdb = new DuckDbSettings(
                    dm.get("memory_limit").map(n -> Nodes.size(n, "memory_limit")).orElse(duckdb.memoryLimit()),
                    dm.get("threads").map(n -> Nodes.integer(n, "threads", 1)).orElse(duckdb.threads()),
                    path(dm, "temp_directory", scope).orElse(duckdb.tempDirectory()));
        }
        Settings settings = new Settings(
                path(m, "lake", scope).orElse(d.lake()),
                path(m, "staging", scope).orElse(d.staging()),
                path(m, "backups", scope).orElse(d.backups()),
                path(m, "quarantine", scope).orElse(d.quarantine()),
                path(m, "metadata_db", scope).orElse(d.metadataDb()),
                m.get("metadata_storage_version").map(PipelineLoader::storageVersion).orElse(d.metadataStorageVersion()),
                path(m, "state_dir", scope).orElse(d.stateDir()),
                m.get("max_parallel").map(n -> Nodes.integer(n, "max_parallel", 1)).orElse(d.maxParallel()),
                m.get("keep_backups").map(n -> Nodes.integer(n, "keep_backups", 0)).orElse(d.keepBackups()),
                duckdb);
        checkFolders(settings, m);
        return settings;
    }

    /**
     * The lake, staging, backups and quarantine must be separate folders, none inside another: a
     * backup inside the lake would be read as a table, and staging inside it would be read as data.
     * Paths that DuckDB reads must not hold glob characters.
     */
    private static void checkFolders(Settings s, Node.Mapping m) {
        Map<String, Path> folders = new LinkedHashMap<>();
        folders.put("lake", s.lake());
        folders.put("staging", s.staging());
        folders.put("backups", s.backups());
        folders.put("quarantine", s.quarantine());
        for (Map.Entry<String, Path> a : folders.entrySet()) {
            Location at = m.entry(a.getKey()).map(Node.Entry::keyLocation).orElse(m.location());
            if (List.of("lake", "staging").contains(a.getKey()) && a.getValue().toString().matches(".*[*?\\[\\]{}].*")) {
                throw new PipelineException(at, a.getKey() + " '" + a.getValue() + "' holds a character DuckDB reads as a glob pattern "
                        + "(* ? [ ] { }); use a folder without them");
            }
            if (a.getKey().equals("lake")) {
                for (Path part : a.getValue().toAbsolutePath().normalize()) {
                    if (part.toString().contains("=")) {
                        throw new PipelineException(at, "lake '" + a.getValue() + "' lies in a folder named " + part + "; the views read "
                                + "every name=value folder of their files' paths as a column, so that one would become a column of every "
                                + "table. Use a lake path without '='");
                    }
                }
            }
            for (Map.Entry<String, Path> b : folders.entrySet()) {
                Path x = a.getValue().toAbsolutePath().normalize();
                Path y = b.getValue().toAbsolutePath().normalize();
                if (!a.getKey().equals(b.getKey()) && x.startsWith(y)) {
                    throw new PipelineException(at, a.getKey() + " (" + a.getValue() + ") " + (x.equals(y) ? "is the same folder as " : "is inside ")
                            + b.getKey() + " (" + b.getValue() + "); the lake, staging, backups and quarantine must be separate folders");
                }
            }
        }
    }

    /** Only releases from 1.0 on: older names give DuckDB 1.0's format anyway, and DuckDB knows no other text. */
    private static StorageVersion storageVersion(Node node) {
        String what = "metadata_storage_version";
        return StorageVersion.parse(Nodes.text(node, what).strip())
                .filter(v -> !StorageVersion.V1_0_0.isNewerThan(v))
                .orElseThrow(() -> new PipelineException(node.location(), what + " must be a DuckDB release from v1.0.0 on, "
                        + "written vX.Y.Z such as v1.0.0 or v1.4.0, but is " + node.describe()));
    }

    private static Optional<Path> path(Node.Mapping m, String key, Scope scope) {
        return m.get(key).map(n -> {
            String value = Interpolator.apply(Nodes.text(n, key), n.location(), scope);
            if (value.isBlank()) {
                throw new PipelineException(n.location(), key + " must name a path, but is empty");
            }
            return Path.of(value);
        });
    }

    private static List<TableSpec> tables(Node node) {
        List<TableSpec> tables = new ArrayList<>();
        for (Node.Entry e : Nodes.mappingOrEmpty(node, "tables").entries()) {
            Identifiers.require(e.key(), "a table name", e.keyLocation());
            Node.Mapping m = Nodes.mappingOrEmpty(e.value(), "table '" + e.key() + "'");
            Nodes.allowOnly(m, TABLE_KEYS, "table '" + e.key() + "'");
            tables.add(new TableSpec(e.key(),
                    m.get("partition_by").map(n -> Nodes.columnNames(n, "partition_by", true)).orElse(List.of()),
                    m.get("sort_by").map(n -> Nodes.columnNames(n, "sort_by", false)).orElse(List.of()),
                    m.get("key").map(n -> Nodes.columnNames(n, "key", false)).orElse(List.of()),
                    m.get("columns").map(n -> columnTypes(n, e.key())).orElse(Map.of()),
                    m.get("on_unreadable").map(n -> onUnreadable(n)).orElse(TableSpec.OnUnreadable.FAIL),
                    e.keyLocation(),
                    m.get("sort_by").map(PipelineLoader::places).orElse(List.of()),
                    m.get("key").map(PipelineLoader::places).orElse(List.of())));
        }
        return tables;
    }

    /** Where each entry of a list (or the one scalar) is. */
    private static List<Location> places(Node node) {
        return node instanceof Node.Sequence seq ? seq.items().stream().map(Node::location).toList() : List.of(node.location());
    }

    /** {@code columns: { basic_eps: DOUBLE }}: column names as the files have them, each with a DuckDB type. */
    private static Map<String, String> columnTypes(Node node, String table) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Node.Entry c : Nodes.mappingOrEmpty(node, "columns of table '" + table + "'").entries()) {
            Identifiers.requireColumn(c.key(), "a column name", false, c.keyLocation());
            String type = Nodes.text(c.value(), "the type of column " + c.key()).strip();
            if (!TYPE.matcher(type).matches() || !balanced(type)) {
                // In a flow mapping { v: DECIMAL(18,2) } YAML ends the value at the comma.
                String hint = type.indexOf('(') > type.indexOf(')') ? " (inside { ... } YAML ends a value at a comma: quote the type, "
                        + "as in \"DECIMAL(18,2)\")" : "";
                throw new PipelineException(c.value().location(), "the type of column '" + c.key() + "' must be a DuckDB type such as "
                        + "BIGINT, DOUBLE, DECIMAL(18,4), VARCHAR, DATE, TIMESTAMP or INTEGER[], but is '" + type + "'" + hint);
            }
            out.put(c.key(), type);
        }
        return out;
    }

    private static boolean balanced(String type) {
        int depth = 0;
        for (char ch : type.toCharArray()) {
            depth += ch == '(' || ch == '[' ? 1 : ch == ')' || ch == ']' ? -1 : 0;
            if (depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }

    private static TableSpec.OnUnreadable onUnreadable(Node node) {
        String value = Nodes.text(node, "on_unreadable");
        for (TableSpec.OnUnreadable o : TableSpec.OnUnreadable.values()) {
            if (o.yamlName().equals(value)) {
                return o;
            }
        }
        throw new PipelineException(node.location(), "on_unreadable must be 'fail' or 'quarantine', but is '" + value + "'");
    }

    private static StepSpec step(Node node, List<TableSpec> tables, StepTypes types) {
        Node.Mapping m = Nodes.mapping(node, "each step");
        Node idNode = Nodes.required(m, "id", "each step");
        String id = Identifiers.require(Nodes.text(idNode, "id"), "a step id", idNode.location());
        String where = "step '" + id + "'";
        Nodes.allowOnly(m, STEP_KEYS, where);

        Node typeNode = Nodes.required(m, "type", where);
        String typeName = Nodes.text(typeNode, "type");
        StepType type = types.named(typeName).orElseThrow(() -> new PipelineException(typeNode.location(),
                "unknown step type '" + typeName + "'" + Suggestions.hint(typeName, types.names())
                        + " (known types: " + String.join(", ", types.names()) + ")"));

        List<Dependency> deps = new ArrayList<>();
        Optional<Node> depsNode = m.get("depends_on");
        if (depsNode.isPresent()) {
            List<String> texts = Nodes.texts(depsNode.get(), "depends_on");
            List<Node> places = depsNode.get() instanceof Node.Sequence seq ? seq.items() : List.of(depsNode.get());
            for (int i = 0; i < texts.size(); i++) {
                deps.add(Dependency.parse(texts.get(i), places.get(i).location()));
            }
        }
        Optional<Foreach> foreach = m.get("foreach").map(n -> foreach(n, tables));
        Node.Mapping with = m.get("with").map(n -> Nodes.mappingOrEmpty(n, "'with' of " + where))
                .orElse(new Node.Mapping(List.of(), m.location()));
        int retries = m.get("retries").map(n -> Nodes.integer(n, "retries", 0)).orElse(0);
        Duration retryDelay = m.get("retry_delay").map(n -> Nodes.duration(n, "retry_delay")).orElse(StepSpec.DEFAULT_RETRY_DELAY);
        Optional<Duration> timeout = m.get("timeout").map(n -> Nodes.duration(n, "timeout"));
        if (timeout.isPresent() && timeout.get().isZero()) {
            throw new PipelineException(m.get("timeout").get().location(), "timeout must be longer than zero; leave it out for no timeout");
        }
        boolean enabled = m.get("enabled").map(n -> Nodes.bool(n, "enabled")).orElse(true);
        TriggerRule rule = m.get("trigger_rule").map(n -> triggerRule(n, where, deps)).orElse(TriggerRule.DEFAULT);
        return new StepSpec(id, type, deps, foreach, with, retries, retryDelay, timeout, enabled, rule, idNode.location());
    }

    private static TriggerRule triggerRule(Node node, String where, List<Dependency> deps) {
        String name = Nodes.text(node, "trigger_rule");
        TriggerRule rule = TriggerRule.fromYaml(name).orElseThrow(() -> new PipelineException(node.location(),
                "unknown trigger_rule '" + name + "'" + Suggestions.hint(name, TriggerRule.yamlNames())
                        + " (known rules: " + String.join(", ", TriggerRule.yamlNames()) + ")"));
        // Without upstream steps nothing can fail before it, so such a step would be skipped on every run.
        if (rule == TriggerRule.ONE_FAILED && deps.isEmpty()) {
            throw new PipelineException(node.location(), "trigger_rule one_failed runs " + where
                    + " when an upstream step fails, but it has no depends_on; list the steps it watches under depends_on");
        }
        return rule;
    }

    private static Foreach foreach(Node node, List<TableSpec> tables) {
        if (node instanceof Node.Scalar s && s.kind() == Node.Scalar.Kind.STRING && s.text().equals("tables")) {
            if (tables.isEmpty()) {
                throw new PipelineException(node.location(), "'foreach: tables' names nothing: the pipeline declares no tables under 'tables:'");
            }
            return new Foreach(true, tables.stream().map(TableSpec::name).toList(), node.location());
        }
        if (node instanceof Node.Sequence seq) {
            if (seq.items().isEmpty()) {
                throw new PipelineException(node.location(), "'foreach' is an empty list, so the step would never run; list its items or remove the step");
            }
            return new Foreach(false, Nodes.names(node, "foreach"), node.location());
        }
        throw new PipelineException(node.location(), "'foreach' must be 'tables' or a list of items, but is " + node.describe());
    }

    private static void checkDependencies(List<StepSpec> steps, Map<String, StepSpec> byId) {
        for (StepSpec step : steps) {
            for (Dependency dep : step.dependsOn()) {
                StepSpec upstream = byId.get(dep.stepId());
                if (upstream == null) {
                    // Never suggest the step itself: a step cannot depend on itself.
                    List<String> others = byId.keySet().stream().filter(id -> !id.equals(step.id())).toList();
                    throw new PipelineException(dep.location(), "step '" + step.id() + "' depends on '" + dep
                            + "', which is not a step" + Suggestions.hint(dep.stepId(), others)
                            + (others.isEmpty() ? "; the pipeline has no other step" : " (steps: " + String.join(", ", others) + ")"));
                }
                if (dep.item() != null && !upstream.foreach().map(f -> f.items().contains(dep.item())).orElse(false)) {
                    String items = upstream.foreach().map(f -> "its items are " + String.join(", ", f.items()))
                            .orElse("it has no foreach");
                    throw new PipelineException(dep.location(), "step '" + step.id() + "' depends on '" + dep
                            + "', but step '" + upstream.id() + "' has no item '" + dep.item() + "' (" + items + ")");
                }
            }
        }
    }

    /** Refuses a cycle, printed as the path of depends_on that closes it: a -> b -> a. */
    private static void checkCycles(List<StepSpec> steps, Map<String, StepSpec> byId) {
        Graph<String, DefaultEdge> dependsOn = new DefaultDirectedGraph<>(DefaultEdge.class);
        steps.forEach(s -> dependsOn.addVertex(s.id()));
        for (StepSpec step : steps) {
            for (Dependency dep : step.dependsOn()) {
                if (!dependsOn.containsEdge(step.id(), dep.stepId())) {
                    dependsOn.addEdge(step.id(), dep.stepId());
                }
            }
        }
        CycleDetector<String, DefaultEdge> detector = new CycleDetector<>(dependsOn);
        if (!detector.detectCycles()) {
            return;
        }
        Set<String> inCycles = detector.findCycles();
        StepSpec start = steps.stream().filter(s -> inCycles.contains(s.id())).findFirst().orElseThrow();
        List<String> cycle = shortestCycleThrough(dependsOn, start.id());
        String next = cycle.get(1);
        Location at = start.dependsOn().stream().filter(d -> d.stepId().equals(next)).findFirst()
                .map(Dependency::location).orElse(start.location());
        throw new PipelineException(at, "the steps depend on each other in a cycle: "
                + String.join(" -> ", cycle) + " (each step depends on the next); remove one of these depends_on");
    }

    private static List<String> shortestCycleThrough(Graph<String, DefaultEdge> graph, String start) {
        if (graph.containsEdge(start, start)) {
            return List.of(start, start);
        }
        BFSShortestPath<String, DefaultEdge> bfs = new BFSShortestPath<>(graph);
        List<String> best = null;
        for (DefaultEdge edge : graph.outgoingEdgesOf(start)) {
            GraphPath<String, DefaultEdge> back = bfs.getPath(graph.getEdgeTarget(edge), start);
            if (back != null && (best == null || back.getLength() + 1 < best.size() - 1)) {
                List<String> path = new ArrayList<>();
                path.add(start);
                path.addAll(back.getVertexList());
                best = path;
            }
        }
        return best;
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static Set<String> orderedSet(String... keys) {
        return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
    }
}
