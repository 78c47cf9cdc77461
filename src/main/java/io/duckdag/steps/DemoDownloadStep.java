package io.duckdag.steps;

import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.DemoData;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.Sql;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.DurableFiles;
import io.duckdag.state.StateJson;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

/**
 * {@code source: demo}: what a day's download of a market-data vendor looks like, with no
 * network. Each table gets {@code files} small files holding {@code rows} rows in all, in
 * random order; about one file in five holds late rows for an older year, and keys repeat
 * (re-downloaded rows). From mid-2024 on, some daily_basic files carry a column the older ones
 * lack. Files are written under a temporary name and renamed. A file delivered once (by any
 * run) is not delivered again, as a vendor's "new files since" query would behave.
 */
final class DemoDownloadStep {

    private DemoDownloadStep() {
    }

    static StepResult execute(DownloadStep.Demo config, StepContext ctx) throws Exception {
        LakeLayout layout = LakeLayout.of(ctx.pipeline());
        LocalDate date = LocalDate.parse(config.date());
        int written = 0;
        int skipped = 0;
        long rows = 0;
        try (Connection connection = DuckDb.open(Optional.empty(), ctx.pipeline().settings().duckdb());
             Statement s = connection.createStatement()) {
            for (String tableName : config.tables()) {
                TableSpec table = ctx.pipeline().table(tableName).orElseThrow();
                Path ledger = ctx.pipelineStateDir().resolve("downloads").resolve(tableName + ".json");
                TreeSet<String> delivered = readLedger(ledger);
                Random random = new Random((config.seed() * 31 + tableName.hashCode()) * 31 + config.date().hashCode());
                for (int i = 0; i < config.files(); i++) {
                    ctx.cancellation().throwIfCancelled();
                    long n = config.rows() / config.files() + (i < config.rows() % config.files() ? 1 : 0);
                    int year = random.nextInt(5) == 0 ? date.getYear() - 1 - random.nextInt(3) : date.getYear();
                    boolean extra = tableName.equals("daily_basic") && !date.isBefore(LocalDate.of(2024, 7, 1)) && random.nextInt(3) == 0;
                    String name = date.toString().replace("-", "") + "_" + config.seed() + "_" + String.format("%03d", i) + ".parquet";
                    Path dir = partitionDir(layout.liveTable(tableName), table, year);
                    String key = dir.getFileName() + "/" + name;
                    if (delivered.contains(key)) {
                        skipped++;
                        continue;
                    }
                    DurableFiles.createDirectories(dir);
                    Path tmp = dir.resolve("." + name + ".tmp");
                    s.execute("COPY (" + DemoData.select(tableName, date, config.seed(), i, n, year, extra) + ") TO "
                            + Sql.literal(tmp.toAbsolutePath()) + " (FORMAT PARQUET)");
                    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ)) {
                        ch.force(true);
                    }
                    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    DurableFiles.forceDirectory(dir);
                    delivered.add(key);
                    writeLedger(ledger, delivered);
                    written++;
                    rows += n;
                }
                ctx.log().println(tableName + ": " + config.files() + " files for " + date + " (seed " + config.seed() + ")");
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files_written", written);
        m.put("rows_written", rows);
        if (skipped > 0) {
            m.put("files_already_delivered", skipped);
        }
        return StepResult.of(m);
    }

    /** The demo partitions by the first partition column, with the year as its value. */
    private static Path partitionDir(Path tableRoot, TableSpec table, int year) {
        return table.partitionBy().isEmpty() ? tableRoot : tableRoot.resolve(table.partitionBy().get(0) + "=" + year);
    }

    private static TreeSet<String> readLedger(Path ledger) throws IOException {
        if (!Files.exists(ledger)) {
            return new TreeSet<>();
        }
        String[] names = StateJson.MAPPER.readValue(ledger.toFile(), String[].class);
        return new TreeSet<>(List.of(names));
    }

    private static void writeLedger(Path ledger, TreeSet<String> delivered) throws IOException {
        DurableFiles.writeAtomically(ledger, StateJson.MAPPER.writeValueAsBytes(new ArrayList<>(delivered)));
    }
}
