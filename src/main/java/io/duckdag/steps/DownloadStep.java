package io.duckdag.steps;

import io.duckdag.pipeline.StepConfig;

/** The download type: {@code source: demo} generates files, {@code source: http} fetches one. */
final class DownloadStep implements StepExecutor {
    private final DemoDownloadStep demo = new DemoDownloadStep();
    private final HttpDownloadStep http = new HttpDownloadStep();

    @Override
    public StepResult execute(StepContext ctx) throws Exception {
        return ctx.step().config() instanceof StepConfig.HttpDownload ? http.execute(ctx) : demo.execute(ctx);
    }
}
