package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.Failpoints;
import io.duckdag.engine.Engine;
import io.duckdag.engine.RunListener;
import io.duckdag.engine.RunOutcome;
import io.duckdag.engine.RunRequest;
import io.duckdag.kind.Cancellation;
import io.duckdag.pipeline.PipelineLoader;
import io.duckdag.plan.Plan;
import io.duckdag.state.RunStatus;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notify step against a webhook on 127.0.0.1 (the JDK's own HTTP server). */
class NotifyStepTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    HttpServer server;
    String base;
    /** What the server received, in order. */
    final List<Received> received = new CopyOnWriteArrayList<>();
    /** The answers it gives, in order; 200 "ok" once they run out. */
    final Deque<int[]> codes = new ArrayDeque<>();
    final Deque<String> bodies = new ArrayDeque<>();

    record Received(String method, String path, Map<String, List<String>> headers, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    Map.copyOf(exchange.getRequestHeaders()), body));
            if (exchange.getRequestURI().getPath().equals("/slow")) {
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int code;
            String answer;
            synchronized (codes) {
                int[] next = codes.poll();
                code = next == null ? 200 : next[0];
                answer = bodies.isEmpty() ? "ok" : bodies.poll();
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    void answer(int code, String body) {
        synchronized (codes) {
            codes.add(new int[] {code});
            bodies.add(body);
        }
    }

    Path pipeline(String name, String steps) throws IOException {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, "pipeline: " + name + "\n"
                + "settings: { state_dir: " + dir.resolve("state") + ", duckdb: { temp_directory: " + dir.resolve("tmp") + " } }\n"
                + steps.replace("$BASE", base).replace("$DIR", dir.toString()));
        return file;
    }

    static Engine engine(Map<String, String> env) {
        return new Engine(env, Clock.systemDefaultZone(), Failpoints.NONE, StandardKinds.all());
    }

    static RunOutcome run(Path file, Map<String, String> env) {
        return engine(env).run(RunRequest.newRun(file), RunListener.SILENT, new Cancellation());
    }

    StepRecord step(String pipeline, String id) {
        return new RunStore(dir.resolve("state"), pipeline).latest().orElseThrow().step(id).orElseThrow();
    }

    @Test
    void a_one_failed_notify_posts_the_summary_naming_the_failed_step_and_the_first_line_of_its_error() throws Exception {
        Path file = pipeline("onefail", """
                steps:
                  - id: fine
                    type: shell
                    with: { command: "true" }
                  - id: broken
                    type: shell
                    depends_on: [fine]
                    with: { command: "echo 'disk on fire'; exit 3" }
                  - id: after
                    type: shell
                    depends_on: [broken]
                    with: { command: "true" }
                  - id: alert
                    type: notify
                    depends_on: [fine, broken, after]
                    trigger_rule: one_failed
                    with: { url: "$BASE/hook" }
                """);

        RunOutcome outcome = run(file, Map.of());

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(outcome.record().status()).isEqualTo(RunStatus.FAILED);
        assertThat(step("onefail", "alert").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(received).hasSize(1);
        Received r = received.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hook");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        JsonNode summary = r.json();
        assertThat(summary.get("pipeline").asText()).isEqualTo("onefail");
        assertThat(summary.get("run_id").asText()).isEqualTo(outcome.record().runId());
        assertThat(summary.get("status").asText()).isEqualTo("failed");
        assertThat(summary.get("failed_steps")).hasSize(1);
        JsonNode failed = summary.get("failed_steps").get(0);
        assertThat(failed.get("id").asText()).isEqualTo("broken");
        assertThat(failed.get("error").asText()).isEqualTo(step("onefail", "broken").error().lines().findFirst().orElseThrow());
        assertThat(failed.get("error").asText()).contains("code 3");
        assertThat(failed.get("output").toString()).contains("disk on fire");
        assertThat(failed.get("log").asText()).endsWith("broken.log");
        // every other step with its status at that moment; the notify step itself is not listed
        assertThat(summary.get("steps").toString()).contains("{\"id\":\"fine\",\"status\":\"succeeded\"}")
                .contains("{\"id\":\"broken\",\"status\":\"failed\"}")
                .contains("{\"id\":\"after\",\"status\":\"upstream_failed\"}").doesNotContain("alert");
        assertThat(summary.get("counts").toString()).isEqualTo("{\"succeeded\":1,\"failed\":1,\"upstream_failed\":1}");
        assertThat(step("onefail", "alert").metrics()).containsEntry("http_status", 200).containsEntry("run_status", "failed");
    }

    @Test
    void an_all_done_notify_posts_on_success_with_the_lake_steps_numbers_per_table() throws Exception {
        Path file = pipeline("alldone", """
                steps:
                  - id: work
                    type: shell
                    with: { command: "true" }
                  - id: report
                    type: notify
                    depends_on: [work]
                    trigger_rule: all_done
                    with: { url: "$BASE/", timeout: 5s }
                """);

        RunOutcome outcome = run(file, Map.of());

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(received).hasSize(1);
        JsonNode summary = received.get(0).json();
        assertThat(summary.get("status").asText()).isEqualTo("succeeded");
        assertThat(summary.get("failed_steps")).isEmpty();
        assertThat(summary.get("tables")).isEmpty();
        assertThat(step("alldone", "report").metrics()).containsEntry("http_status", 200).containsEntry("failed_steps", 0);
    }

    @Test
    void after_a_real_compaction_the_summary_gives_the_tables_numbers() throws Exception {
        LakeFixture f = new LakeFixture(dir.resolve("lake-run")).pipeline("""
                tables:
                  t: { partition_by: [year], sort_by: [code, d], key: [code, d] }
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify] }
                  - id: report
                    type: notify
                    depends_on: [swap]
                    trigger_rule: all_done
                    with: { url: "$BASE/r", body: { text: "{tables}" } }
                """.replace("$BASE", base));
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('B', 1, 'old'), ('A', 2, 'x'), ('C', 1, 'c')) v(code, d, v)", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('B', 1, 'new'), ('A', 1, 'a1')) v(code, d, v)", 2000);
        f.write("t/year=2023/c.parquet", "SELECT * FROM (VALUES ('Z', 9, 'z'), ('Y', 3, 'y'), ('Y', 3, 'y2')) v(code, d, v)", 1500);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        String text = received.get(0).json().get("text").asText();
        assertThat(text).startsWith("t: compact partitions_rewritten=2 partitions_unchanged=0 files_in=3 ")
                .contains(" rows_in=8 ").contains(" rows_out=6").contains("; verify partitions_verified=2 rows=6 duplicates_removed=2")
                .contains("; swap partitions_swapped=2 files_backed_up=3 late_files_kept_live=0");
    }

    @Test
    void the_summary_gives_per_table_numbers_of_compact_verify_and_swap() throws Exception {
        // Written by hand: the summary reads what the run record says, whatever wrote it.
        NotifyStep.Summary summary = NotifyStep.Summary.of(lakeRun(), "notify", id -> dir.resolve(id + ".log"));
        JsonNode json = summary.json();
        assertThat(json.at("/tables/income/compact/partitions_rewritten").asLong()).isEqualTo(2);
        assertThat(json.at("/tables/income/verify/rows").asLong()).isEqualTo(1000);
        assertThat(json.at("/tables/income/swap/partitions_swapped").asLong()).isEqualTo(2);
        assertThat(json.at("/tables/income/compact/schema_drift").isMissingNode()).isTrue();
        assertThat(summary.placeholders().get("tables"))
                .isEqualTo("income: compact partitions_rewritten=2 rows_out=1000; verify rows=1000; swap partitions_swapped=2");
    }

    private static io.duckdag.state.RunRecord lakeRun() {
        Map<String, Object> table = Map.of("name", "income");
        java.util.LinkedHashMap<String, StepRecord> steps = new java.util.LinkedHashMap<>();
        Map<String, Object> compacted = new java.util.LinkedHashMap<>();
        compacted.put("partitions_rewritten", 2);
        compacted.put("rows_out", 1000L);
        compacted.put("schema_drift", List.of("x"));
        steps.put("compact[income]", done("compact[income]", "compact", table, compacted));
        steps.put("verify[income]", done("verify[income]", "verify", table, Map.of("rows", 1000)));
        steps.put("swap[income]", done("swap[income]", "swap", table, Map.of("partitions_swapped", 2)));
        return new io.duckdag.state.RunRecord("20240630-010203-004", "p", "p.yaml", "x", Map.of(), "2024-06-30", RunStatus.RUNNING,
                null, null, List.of(), steps);
    }

    private static StepRecord done(String id, String type, Map<String, Object> table, Map<String, Object> metrics) {
        Map<String, Object> config = Map.of("type", type, "table", table);
        return StepRecord.pending(id, "fp", config).ended(StepStatus.SUCCEEDED, "2024-06-30T01:02:03Z", "r", metrics, null);
    }

    @Test
    void a_body_template_is_filled_with_json_escaped_values_so_quotes_and_newlines_keep_it_valid() throws Exception {
        Path file = pipeline("template", """
                steps:
                  - id: bad-sql
                    type: sql
                    with: { sql: "SELECT \\"no such column\\" FROM range(1)" }
                  - id: other-bad
                    type: shell
                    with: { command: "exit 4" }
                  - id: slack
                    type: notify
                    depends_on: [bad-sql, other-bad]
                    trigger_rule: all_done
                    with:
                      url: "$BASE/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
                      body: '{"text": "duckdag {pipeline} run {run_id}: {status}; failed: {failed_steps}", "blocks": "{errors}", "all": "{text}"}'
                """);

        run(file, Map.of());

        assertThat(step("template", "slack").status()).isEqualTo(StepStatus.SUCCEEDED);
        JsonNode body = received.get(0).json();
        String runId = new RunStore(dir.resolve("state"), "template").latest().orElseThrow().runId();
        assertThat(body.get("text").asText()).isEqualTo("duckdag template run " + runId + ": failed; failed: bad-sql, other-bad");
        String sqlError = step("template", "bad-sql").error().lines().findFirst().orElseThrow();
        assertThat(sqlError).contains("\"no such column\"");
        assertThat(body.get("blocks").asText()).isEqualTo("bad-sql: " + sqlError + "\nother-bad: "
                + step("template", "other-bad").error());
        assertThat(body.get("all").asText()).startsWith("duckdag template run " + runId + ": failed (2 failed)\nfailed:\nbad-sql: ");
    }

    @Test
    void a_body_written_as_yaml_posts_that_shape_with_its_strings_filled() throws Exception {
        Path file = pipeline("feishu", """
                steps:
                  - id: work
                    type: shell
                    with: { command: "true" }
                  - id: feishu
                    type: notify
                    depends_on: [work]
                    trigger_rule: all_done
                    with:
                      url: "$BASE/open-apis/bot/v2/hook/abc"
                      body: { msg_type: text, content: { text: "{pipeline}: {status}" }, at_all: false, n: 3 }
                """);

        run(file, Map.of());

        assertThat(received.get(0).body()).isEqualTo("{\"msg_type\":\"text\",\"content\":{\"text\":\"feishu: succeeded\"},\"at_all\":false,\"n\":3}");
    }

    @Test
    void headers_arrive_as_given_and_a_content_type_given_replaces_the_default() throws Exception {
        Path file = pipeline("headers", """
                steps:
                  - id: n
                    type: notify
                    with:
                      url: "$BASE/h"
                      headers: { Authorization: "Bearer ${env.TOKEN}", X-Team: data, Content-Type: "application/json" }
                """);

        run(file, Map.of("TOKEN", "t0ken-value"));

        Received r = received.get(0);
        assertThat(r.header("Authorization")).isEqualTo("Bearer t0ken-value");
        assertThat(r.header("X-Team")).isEqualTo("data");
        assertThat(r.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Type")).findFirst().orElseThrow()
                .getValue()).containsExactly("application/json");
    }

    @Test
    void a_4xx_answer_fails_the_step_at_once_without_retrying() throws Exception {
        answer(400, "invalid_payload");
        Path file = pipeline("four", """
                steps:
                  - id: n
                    type: notify
                    retries: 2
                    retry_delay: 10ms
                    with: { url: "$BASE/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX" }
                """);

        RunOutcome outcome = run(file, Map.of());

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        StepRecord n = step("four", "n");
        assertThat(n.status()).isEqualTo(StepStatus.FAILED);
        assertThat(n.attempts()).isEqualTo(1);
        assertThat(received).hasSize(1);
        assertThat(n.error()).isEqualTo("the webhook " + base + "/… answered HTTP 400 (invalid_payload): not retried; check 'url', "
                + "'headers' and 'body' against the service's webhook documentation, then resume the run");
    }

    @Test
    void a_5xx_answer_is_retried_by_the_steps_retries_and_the_next_attempt_succeeds() throws Exception {
        answer(503, "busy");
        Path file = pipeline("five", """
                steps:
                  - id: n
                    type: notify
                    retries: 1
                    retry_delay: 10ms
                    with: { url: "$BASE/x" }
                """);

        RunOutcome outcome = run(file, Map.of());

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(step("five", "n").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(step("five", "n").attempts()).isEqualTo(2);
        assertThat(received).hasSize(2);
        String log = Files.readString(new RunStore(dir.resolve("state"), "five").logFile(outcome.record().runId(), "n"));
        assertThat(log).contains("answered HTTP 503: busy").contains("answered HTTP 200: ok");
    }

    @Test
    void a_webhook_that_cannot_be_reached_fails_retryably_naming_only_its_host() throws Exception {
        int port = server.getAddress().getPort();
        server.stop(0);
        Path file = pipeline("gone", """
                steps:
                  - id: n
                    type: notify
                    retries: 1
                    retry_delay: 10ms
                    with: { url: "http://127.0.0.1:%d/secret-path-0123456789" }
                """.formatted(port));

        run(file, Map.of());

        StepRecord n = step("gone", "n");
        assertThat(n.attempts()).isEqualTo(2);
        assertThat(n.error()).isEqualTo("could not reach the webhook http://127.0.0.1:" + port + "/…: ConnectException: nothing "
                + "accepted the connection; all 2 attempts failed; check the address and the network, then resume the run");
        RunStore store = new RunStore(dir.resolve("state"), "gone");
        String log = Files.readString(store.logFile(store.latest().orElseThrow().runId(), "n"));
        assertThat(log).contains("=== failed: could not reach the webhook http://127.0.0.1:" + port + "/…: ConnectException: "
                + "nothing accepted the connection; attempt 1 of 2, tried again after retry_delay; if it keeps failing, check the address")
                .doesNotContain("secret-path");
    }

    @Test
    void a_webhook_that_does_not_answer_within_timeout_fails_the_attempt_retryably() throws Exception {
        Path file = pipeline("slow", """
                steps:
                  - id: n
                    type: notify
                    with: { url: "$BASE/slow", timeout: 200ms }
                """);

        run(file, Map.of());

        assertThat(step("slow", "n").error()).isEqualTo("could not reach the webhook " + base + "/…: no answer within 200ms; "
                + "'retries:' on the step would try again; check the address and the network, then resume the run");
    }

    @Test
    void an_unknown_placeholder_is_refused_at_its_line_and_column_listing_the_known_ones() throws Exception {
        Path file = pipeline("placeholder", """
                steps:
                  - id: n
                    type: notify
                    with: { url: "https://hooks.example.com/x", body: '{"text": "{pipline} failed"}' }
                """);

        assertThatThrownBy(() -> load(file)).isInstanceOf(DuckdagException.class).hasMessage(file + ":6:55: unknown placeholder "
                + "{pipline} in body; did you mean 'pipeline'? (known placeholders: {pipeline}, {run_id}, {run_date}, {status}, "
                + "{counts}, {failed_steps}, {errors}, {tables}, {text})");
    }

    @Test
    void a_bad_url_is_refused_at_its_place_without_showing_its_value() throws Exception {
        Path file = pipeline("badurl", """
                steps:
                  - id: n
                    type: notify
                    with:
                      url: "${env.HOOK}"
                """);

        assertThatThrownBy(() -> load(file, Map.of("HOOK", "hooks.example.com/T0/very-secret")))
                .isInstanceOf(DuckdagException.class).hasMessage(file + ":7:12: url must start with http:// or https:// "
                        + "(its value is not shown: a webhook URL holds its token)");
    }

    @Test
    void a_bad_header_name_a_body_that_is_not_json_and_a_bad_timeout_are_refused_at_their_place() throws Exception {
        Path header = pipeline("badheader", """
                steps:
                  - id: n
                    type: notify
                    with: { url: "https://h.example.com/x", headers: { "X Team": a } }
                """);
        assertThatThrownBy(() -> load(header)).hasMessage(header + ":6:56: 'X Team' is not a header name: use letters, digits "
                + "and - (such as Authorization or X-Api-Key)");

        Path body = pipeline("badbody", """
                steps:
                  - id: n
                    type: notify
                    with: { url: "https://h.example.com/x", body: '{"text": {status}}' }
                """);
        assertThatThrownBy(() -> load(body)).hasMessageStartingWith(body + ":6:51: body is not valid JSON once its placeholders "
                + "are filled: ").hasMessageEndingWith("a placeholder goes inside a JSON string (\"{status}\"), or write the body as "
                + "YAML (body: { text: \"{text}\" })");

        Path timeout = pipeline("badtimeout", """
                steps:
                  - id: n
                    type: notify
                    with: { url: "https://h.example.com/x", timeout: soon }
                """);
        assertThatThrownBy(() -> load(timeout)).hasMessage(timeout + ":6:54: timeout must be a duration such as 500ms, 30s, 5m or "
                + "2h, but is the text 'soon'");
    }

    @Test
    void a_secret_given_through_env_appears_in_no_log_error_plan_or_state_file() throws Exception {
        String sentinel = "SENTINEL-7f3c91d2e8a4";
        // The server echoes the token back, as some services do in their error answers.
        answer(401, "token Bearer " + sentinel + " is not valid for /hook/" + sentinel);
        Path file = pipeline("secret", """
                steps:
                  - id: broken
                    type: shell
                    with: { command: "exit 1" }
                  - id: alert
                    type: notify
                    depends_on: [broken]
                    trigger_rule: one_failed
                    with:
                      url: "$BASE/hook/${env.HOOK_TOKEN}?access_token=${env.HOOK_TOKEN}"
                      headers: { Authorization: "Bearer ${env.HOOK_TOKEN}" }
                      body: { text: "{text}" }
                """);
        Map<String, String> env = Map.of("HOOK_TOKEN", sentinel);

        Plan plan = engine(env).plan(RunRequest.newRun(file));
        RunOutcome outcome = run(file, env);

        assertThat(received).hasSize(1);
        assertThat(received.get(0).path()).contains(sentinel); // it did reach the server
        assertThat(received.get(0).header("Authorization")).isEqualTo("Bearer " + sentinel);
        StepRecord alert = step("secret", "alert");
        assertThat(alert.status()).isEqualTo(StepStatus.FAILED);
        assertThat(alert.error()).isEqualTo("the webhook " + base + "/… answered HTTP 401 (token *** is not valid for ***): "
                + "not retried; check the token in 'url' or 'headers', then resume the run");
        assertThat(plan.step("alert").description().summary()).isEqualTo("POST the body template, filled from the run summary, to "
                + base + "/… with header Authorization").doesNotContain(sentinel);
        assertThat(plan.step("alert").description().toString()).doesNotContain(sentinel);

        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir.resolve("state"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anyMatch(p -> p.getFileName().toString().equals("alert.log"));
        for (Path f : files) {
            assertThat(Files.readString(f)).as(f.toString()).doesNotContain(sentinel);
        }
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
    }

    private static void load(Path file) {
        load(file, Map.of());
    }

    private static void load(Path file, Map<String, String> env) {
        new PipelineLoader(env, StandardKinds.all()).load(file, Map.of(), "20240630-010203-004", "2024-06-30");
    }
}
