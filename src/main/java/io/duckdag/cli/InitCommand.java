package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.lake.LakeException;
import io.duckdag.lake.LakeSurvey;
import io.duckdag.pipeline.DuckDbSettings;
import io.duckdag.pipeline.Identifiers;
import io.duckdag.pipeline.PipelineLoader;
import io.duckdag.state.RunId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "init", description = "Write a nightly pipeline for a lake you already have: finds its tables, partition "
        + "columns, a sort order and a key, says why, and checks that the pipeline is valid.")
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--lake", paramLabel = "DIR", description = "The folder with one folder per table (default: data/parquet).")
    Path lake = Path.of("data/parquet");

    @Option(names = "--out", paramLabel = "FILE", description = "The pipeline to write (default: pipelines/nightly.yaml).")
    Path out = Path.of("pipelines/nightly.yaml");

    @Option(names = "--name", paramLabel = "NAME", description = "The pipeline's name (default: nightly).")
    String name = "nightly";

    @Option(names = "--force", description = "Overwrite --out if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!Identifiers.isPlain(name)) {
            throw DuckdagException.usage("--name " + name + ": a pipeline name is letters, digits, '_' and '-'");
        }
        if (Files.exists(out) && !force) {
            throw DuckdagException.usage(out + " exists already; give another --out, or --force to overwrite it");
        }
        List<LakeSurvey.Table> tables;
        try {
            tables = LakeSurvey.survey(lake, new DuckDbSettings("1GB", 2, tempDir()));
        } catch (LakeException e) {
            throw DuckdagException.usage(e.getMessage());
        }
        List<LakeSurvey.Table> usable = new ArrayList<>();
        for (LakeSurvey.Table t : tables) {
            if (!Identifiers.isPlain(t.name())) {
                main.out.println("skipped " + t.name() + ": a table's name must be letters, digits, '_' and '-' (rename its folder to use it)");
                continue;
            }
            usable.add(t);
            main.out.println(t.name() + ": " + t.files() + " files, " + t.rows() + " rows, "
                    + (t.partitionBy().isEmpty() ? "not partitioned" : "partitioned by " + String.join(", ", t.partitionBy())));
            t.reasons().forEach(r -> main.out.println("  " + r));
            if (!t.key().isEmpty()) {
                String k = String.join(", ", t.key());
                main.out.println(t.duplicateKeys().map(d -> d == 0
                        ? "  key " + k + ": unique in all " + t.rows() + " rows, so declared; a row downloaded again later replaces the older"
                        : "  key " + k + ": NOT declared, " + d + " rows share a key with another (declaring it would keep one of each); "
                        + "find the columns that make a row unique and add them to key").orElse("  key " + k + ": not checked, not declared"));
            }
        }
        if (usable.isEmpty()) {
            throw DuckdagException.usage("found no table in " + lake + ": a table is a folder of the lake holding Parquet files "
                    + "(<lake>/<table>/<col>=<value>/*.parquet); give the lake folder with --lake");
        }
        String yaml = yaml(usable, lake.getParent());
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        Files.writeString(tmp, yaml);
        try {
            new PipelineLoader(main.env, main.kinds).load(tmp, Map.of(), RunId.at(main.clock).value(), LocalDate.now(main.clock).toString());
        } catch (RuntimeException e) {
            throw new DuckdagException(ExitCode.STEP_FAILED, "the pipeline written for this lake does not validate, a bug in duckdag init "
                    + "(please report it; the draft is in " + tmp + "): " + e.getMessage());
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path schema = out.resolveSibling("pipeline.schema.json");
        if (!Files.exists(schema)) {
            // For editors: the first line of the pipeline points at it.
            try (var in = InitCommand.class.getResourceAsStream(SchemaCommand.RESOURCE)) {
                if (in != null) {
                    Files.write(schema, in.readAllBytes());
                }
            }
        }
        main.out.println();
        main.out.println("wrote " + out + " (" + usable.size() + " tables). Replace the download step's command with your "
                + "downloader, then look at what a run would do:");
        main.out.println("  duckdag plan " + out);
        return 0;
    }

    private Path tempDir() {
        Path parent = lake.toAbsolutePath().getParent();
        return (parent == null ? lake.toAbsolutePath() : parent).resolve("tmp");
    }

    /** {@code name} beside the lake folder. */
    private static String beside(Path parent, String name) {
        return scalar(parent == null ? name : parent.resolve(name).toString());
    }

    private String yaml(List<LakeSurvey.Table> tables, Path parent) {
        StringBuilder y = new StringBuilder();
        y.append("# yaml-language-server: $schema=pipeline.schema.json\n");
        y.append("# Written by 'duckdag init --lake ").append(lake).append("' from the tables it found there; read it through.\n");
        y.append("pipeline: ").append(name).append("\n");
        y.append("description: Run my downloader, then compact, verify and swap every table and refresh the views.\n\n");
        y.append("settings:\n");
        y.append("  lake: ").append(scalar(lake.toString())).append("\n");
        y.append("  staging: ").append(beside(parent, "staging")).append("\n");
        y.append("  backups: ").append(beside(parent, "backups")).append("\n");
        y.append("  metadata_db: ").append(beside(parent, "metadata.db")).append("\n");
        y.append("  state_dir: state\n");
        y.append("  keep_backups: 2\n");
        y.append("  duckdb: { memory_limit: 1GB, threads: 2, temp_directory: ").append(beside(parent, "tmp")).append(" }\n\n");
        y.append("tables:\n");
        for (LakeSurvey.Table t : tables) {
            var spec = LakeSurvey.spec(t);
            y.append("  ").append(t.name()).append(": { partition_by: ").append(list(spec.partitionBy())).append(", sort_by: ")
                    .append(list(spec.sortBy()));
            if (!spec.key().isEmpty()) {
                y.append(", key: ").append(list(spec.key()));
            }
            y.append(" }\n");
        }
        y.append("""

                steps:
                  - id: download
                    type: shell
                    retries: 2
                    retry_delay: 1m
                    with:
                      command: "echo 'replace this with your downloader, writing into the lake'"

                  - { id: compact, type: compact, foreach: tables, depends_on: [download] }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify] }
                  - { id: sync-metadata, type: sync-metadata, depends_on: [swap], trigger_rule: all_done }
                """);
        return y.toString();
    }

    private static String list(List<String> names) {
        return names.stream().map(InitCommand::scalar).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A YAML scalar: bare when plain, else double-quoted with escapes. */
    static String scalar(String s) {
        if (s.matches("[A-Za-z_./][A-Za-z0-9_./-]*") && !s.matches("(?i)y|n|yes|no|on|off|true|false|null|~")) {
            return s;
        }
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.replace("${", "$${").toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\x%02x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
