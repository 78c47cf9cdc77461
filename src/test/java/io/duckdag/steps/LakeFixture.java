package io.duckdag.steps;

import io.duckdag.Failpoints;
import io.duckdag.TestPipelines;
import io.duckdag.engine.Engine;
import io.duckdag.engine.RunListener;
import io.duckdag.engine.RunOutcome;
import io.duckdag.engine.RunRequest;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepKind;
import io.duckdag.kind.StepKinds;
import io.duckdag.kind.StepResult;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.plan.Plan;
import io.duckdag.plan.Selection;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A lake in a temporary folder: real Parquet files written with DuckDB, a pipeline whose
 * settings point at this folder, and the engine to run it in-process.
 */
final class LakeFixture {
    final Path dir;
    final Path lake;
    final Path file;
    Map<String, String> env = Map.of();
    /** Whether the planner checks recorded results against the disk (as the CLI does). */
    boolean inspect = true;
    StepKinds kinds = StandardKinds.all();

    LakeFixture(Path dir) {
        this.dir = dir;
        this.lake = dir.resolve("lake");
        this.file = dir.resolve("p.yaml");
    }

    /** Writes the pipeline: settings pointing here, then {@code body} (tables and steps). */
    LakeFixture pipeline(String body) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(file, TestPipelines.text("lake-fixture/settings", Map.of("dir", dir)) + body);
        return this;
    }

    /** Rewrites the pipeline's DuckDB memory limit. */
    LakeFixture limitMemory(String limit) throws IOException {
        Files.writeString(file, Files.readString(file).replace("memory_limit: 512MB", "memory_limit: " + limit));
        return this;
    }

    /** Sets {@code settings.metadata_storage_version}, which the fixture otherwise leaves at its default. */
    LakeFixture metadataStorageVersion(String version) throws IOException {
        String text = Files.readString(file).replaceAll("\n  metadata_storage_version: [^\n]*", "");
        Files.writeString(file, text.replace("\n  keep_backups: 2", "\n  metadata_storage_version: " + version + "\n  keep_backups: 2"));
        return this;
    }

    /** Writes a Parquet file from a SELECT into {@code lake/<relative>}, with the given modification time. */
    Path write(String relative, String select, long mtimeSeconds) throws Exception {
        Path target = lake.resolve(relative);
        Files.createDirectories(target.getParent());
        sql("COPY (" + select + ") TO '" + target + "' (FORMAT PARQUET)");
        Files.setLastModifiedTime(target, FileTime.from(Instant.ofEpochSecond(mtimeSeconds)));
        return target;
    }

    void sql(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The rows of a query, each as the columns' text joined with '|'. */
    List<String> rows(String sql) throws SQLException {
        return rows(Optional.empty(), sql);
    }

    List<String> rows(Optional<Path> database, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + database.map(Path::toString).orElse(""));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(b.toString());
            }
            return out;
        }
    }

    /** Every live row of a table, read the way the views read it. */
    String live(String table) {
        return "read_parquet('" + lake.resolve(table) + "/**/*.parquet', hive_partitioning = true, union_by_name = true)";
    }

    /** Files under a folder of the fixture, relative to it, sorted (in the lake, not duckdag's lock files). */
    List<String> files(String relative) throws IOException {
        Path root = dir.resolve(relative);
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            // Without duckdag's table locks (.duckdag/locks/ in the lake), which hold no data.
            return all.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).filter(n -> !n.startsWith(".duckdag/"))
                    .sorted().toList();
        }
    }

    Engine engine() {
        return new Engine(env, Clock.systemDefaultZone(), Failpoints.fromEnvironment(env), inspect ? kinds : trusting(kinds));
    }

    /** The same kinds, but trusting every recorded success, as if the planner never looked at the disk. */
    static StepKinds trusting(StepKinds kinds) {
        return new StepKinds(kinds.all().stream().<StepKind<?>>map(Trusting::new).toList());
    }

    /** A kind whose recorded successes always hold. */
    private static final class Trusting<C extends StepConfig> implements StepKind<C> {
        private final StepKind<C> kind;

        Trusting(StepKind<C> kind) {
            this.kind = kind;
        }

        @Override
        public String yamlName() {
            return kind.yamlName();
        }

        @Override
        public Map<String, java.util.Set<String>> withKeys() {
            return kind.withKeys();
        }

        @Override
        public Class<C> configType() {
            return kind.configType();
        }

        @Override
        public C bind(Node.Mapping with, Binding binding) {
            return kind.bind(with, binding);
        }

        @Override
        public StepDescription describe(C config, PlanContext context) {
            return kind.describe(config, context);
        }

        @Override
        public void fingerprint(C config, Pipeline pipeline, Map<String, Object> into) {
            kind.fingerprint(config, pipeline, into);
        }

        @Override
        public Role role() {
            return kind.role();
        }

        @Override
        public StepResult execute(C config, StepContext context) throws Exception {
            return kind.execute(config, context);
        }
    }

    RunOutcome run(Selection selection) {
        return engine().run(request(false, selection), RunListener.SILENT, new Cancellation());
    }

    /** A run whose progress and step events go to {@code listener}. */
    RunOutcome run(RunListener listener) {
        return engine().run(request(false, Selection.ALL), listener, new Cancellation());
    }

    RunOutcome run() {
        return run(Selection.ALL);
    }

    RunOutcome resume() {
        return engine().run(request(true, Selection.ALL), RunListener.SILENT, new Cancellation());
    }

    Plan plan(boolean resume) {
        return engine().plan(request(resume, Selection.ALL));
    }

    RunRequest request(boolean resume, Selection selection) {
        return new RunRequest(file, Map.of(), Optional.empty(), resume, Optional.empty(), selection, Optional.empty());
    }

    static Selection only(String step) {
        return new Selection(Optional.of(step), Optional.empty());
    }

    RunStore store() {
        return new RunStore(dir.resolve("state"), "p");
    }

    RunRecord latest() {
        return store().latest().orElseThrow();
    }

    Path runDir() {
        return store().runDir(latest().runId());
    }
}
