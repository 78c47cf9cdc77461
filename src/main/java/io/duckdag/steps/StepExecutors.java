package io.duckdag.steps;

import io.duckdag.pipeline.StepType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** Which executor runs each step type. */
public final class StepExecutors {
    private final Map<StepType, StepExecutor> byType;

    private StepExecutors(Map<StepType, StepExecutor> byType) {
        this.byType = Map.copyOf(byType);
    }

    public static StepExecutors standard() {
        Map<StepType, StepExecutor> m = new EnumMap<>(StepType.class);
        m.put(StepType.SHELL, new ShellStep());
        m.put(StepType.SQL, new SqlStep());
        m.put(StepType.DOWNLOAD, new DownloadStep());
        m.put(StepType.COMPACT, new CompactStep());
        m.put(StepType.VERIFY, new VerifyStep());
        m.put(StepType.SWAP, new SwapStep());
        m.put(StepType.SYNC_METADATA, new SyncMetadataStep());
        return new StepExecutors(m);
    }

    /** The same executors with one replaced (tests use it to shorten waits). */
    public StepExecutors with(StepType type, StepExecutor executor) {
        Map<StepType, StepExecutor> m = new EnumMap<>(byType);
        m.put(type, executor);
        return new StepExecutors(m);
    }

    /** The executor of {@code type}; with run --verbose, the SQL it runs goes into its step's log. */
    public Optional<StepExecutor> forType(StepType type) {
        return Optional.ofNullable(byType.get(type)).map(inner -> ctx -> {
            try (AutoCloseable sql = io.duckdag.lake.SqlTrace.intoLog(ctx.log())) {
                return inner.execute(ctx);
            }
        });
    }
}
