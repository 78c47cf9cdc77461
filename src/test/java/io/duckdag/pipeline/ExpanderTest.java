package io.duckdag.pipeline;

import io.duckdag.steps.CompactStep;
import io.duckdag.steps.DownloadStep;
import io.duckdag.steps.ShellStep;
import io.duckdag.steps.OneTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ExpanderTest {
    static final Path NIGHTLY = Path.of("pipelines/nightly.yaml");
    static final Path LISTS = Path.of("src/test/resources/pipelines/valid/foreach-lists.yaml");
    static final Path SHELL = Path.of("src/test/resources/pipelines/valid/shell-and-sql.yaml");

    static Map<String, ExpandedStep> expand(Pipeline p) {
        return new Expander(p, TestLoading.ENV).expand(TestLoading.RUN_ID, TestLoading.RUN_DATE).stream()
                .collect(Collectors.toMap(ExpandedStep::id, Function.identity()));
    }

    @Test
    void foreach_over_the_same_items_links_item_by_item_and_a_plain_step_waits_for_all() {
        Map<String, ExpandedStep> steps = expand(TestLoading.load(NIGHTLY));

        assertThat(steps).hasSize(19);
        assertThat(steps.get("compact[income]").dependsOn()).containsExactly("download");
        assertThat(steps.get("verify[income]").dependsOn()).containsExactly("compact[income]");
        assertThat(steps.get("check[cash_flow]").dependsOn()).containsExactly("verify[cash_flow]");
        assertThat(steps.get("swap[cash_flow]").dependsOn()).containsExactly("verify[cash_flow]", "check[cash_flow]");
        assertThat(steps.get("daily-basic-fresh").dependsOn()).containsExactly("sync-metadata");
        assertThat(steps.get("sync-metadata").dependsOn())
                .containsExactly("swap[income]", "swap[daily_basic]", "swap[balance_sheet]", "swap[cash_flow]");
        assertThat(steps.get("compact[daily_basic]").config()).isEqualTo(new CompactStep.Config("daily_basic", false, "256MB", 256_000_000L, 122_880));
        assertThat(steps.get("compact[daily_basic]").item()).contains("daily_basic");
    }

    @Test
    void different_item_sets_link_to_every_item_and_an_item_can_be_named() {
        Map<String, ExpandedStep> steps = expand(TestLoading.load(LISTS));

        assertThat(steps.get("load[2024]").dependsOn()).containsExactly("fetch[2024]");
        assertThat(steps.get("compact[income]").dependsOn()).containsExactly("load[2023]", "load[2024]");
        assertThat(steps.get("verify-income").dependsOn()).containsExactly("compact[income]");
        assertThat(steps.get("swap[income]").config()).isEqualTo(new OneTable("income"));
        assertThat(steps.get("fetch[2023]").config()).isEqualTo(
                new ShellStep.Config(java.util.Optional.of("echo fetch 2023"), List.of(), Map.of(), java.util.Optional.empty()));
    }

    @Test
    void params_env_and_run_values_reach_the_config_and_param_overrides_win() {
        Pipeline p = TestLoading.load(SHELL, Map.of("greeting", "ni hao"));
        Map<String, ExpandedStep> steps = expand(p);

        ShellStep.Config hello = (ShellStep.Config) steps.get("hello").config();
        assertThat(hello.script()).contains("echo ni hao from run 20240630-010203-004 on 2024-06-30");
        assertThat(hello.env()).containsEntry("GREETING", "ni hao");
        ShellStep.Config argv = (ShellStep.Config) steps.get("argv").config();
        assertThat(argv.argv()).containsExactly("echo", "ni hao", "${not.interpolated}");
        assertThat(steps.get("count").with()).containsEntry("sql", "SELECT 3 AS n;\n");
        assertThat(steps.get("off").enabled()).isFalse();
        assertThat(steps.get("off").dependsOn()).containsExactly("count");
    }

    @Test
    void an_undeclared_param_override_is_a_usage_error_with_a_suggestion() {
        assertThatThrownBy(() -> TestLoading.load(SHELL, Map.of("greting", "x")))
                .isInstanceOfSatisfying(DuckdagException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID))
                .hasMessage("--param greting=x: " + SHELL + " has no param 'greting'; did you mean 'greeting'? "
                        + "(it declares: greeting, limit); declare it under 'params:' first");
    }

    @Test
    void settings_interpolate_params_and_keep_paths_as_written() {
        Pipeline p = TestLoading.load(Path.of("src/test/resources/pipelines/valid/settings-full.yaml"),
                Map.of("root", "/mnt/lake"));

        assertThat(p.settings().lake()).isEqualTo(Path.of("/mnt/lake/parquet"));
        assertThat(p.settings().duckdb()).isEqualTo(new DuckDbSettings("512MiB", 1, Path.of("/mnt/lake/tmp")));
        assertThat(p.settings().metadataStorageVersion()).isEqualTo(new StorageVersion(1, 4, 0));
        assertThat(p.settings().maxParallel()).isEqualTo(4);
        assertThat(p.settings().keepBackups()).isEqualTo(3);
        assertThat(p.table("cash_flow").orElseThrow().partitionBy()).isEmpty();
        DownloadStep.Http http = (DownloadStep.Http) expand(p).get("fetch-file").config();
        assertThat(http.to()).isEqualTo(Path.of("/mnt/lake/x.parquet"));
    }
}
