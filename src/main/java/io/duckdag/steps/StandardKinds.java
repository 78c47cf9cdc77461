package io.duckdag.steps;

import io.duckdag.kind.StepKinds;
import java.util.List;

/** The registry: every step kind duckdag ships, one line each, in the order messages list them. */
public final class StandardKinds {
    private StandardKinds() {
    }

    public static StepKinds all() {
        return new StepKinds(List.of(
                new DownloadStep(),
                new ShellStep(),
                new SqlStep(),
                new CompactStep(),
                new VerifyStep(),
                new SwapStep(),
                new SyncMetadataStep(),
                new CheckStep(),
                new NotifyStep()));
    }
}
