package io.duckdag.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlanRenderer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value that reaches a step through {@code ${env.X}} is written nowhere: not in the run
 * record, the step log (even where the command itself prints it), the failure shown, or the
 * plan. The step still gets the value.
 */
class SecretsTest {
    static final String TOKEN = "tok-SENTINEL-4f1c9a";
    static final String URL_SECRET = "hooks.example.com/T000/B000/SENTINEL-77e2";

    @TempDir
    Path dir;

    @Test
    void a_value_from_the_environment_is_in_no_state_file_log_failure_or_plan() throws IOException {
        EngineFixture f = new EngineFixture(dir, "secret", """
                steps:
                  - id: call
                    type: shell
                    with:
                      command: "echo token=$TOKEN; echo 'posting to https://${env.HOOK}'; test $${#TOKEN} -eq %d || exit 9; exit 3"
                      env: { TOKEN: "${env.API_TOKEN}" }
                """.formatted(TOKEN.length()), Map.of("API_TOKEN", TOKEN, "HOOK", URL_SECRET, "PATH", System.getenv("PATH")));

        Plan plan = f.engine().plan(RunRequest.newRun(f.file));
        RunOutcome outcome = f.run();

        // Exit 3, not 9: the command did get the token.
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("call").error()).isEqualTo("command exited with code 3");
        assertThat(f.step("call").outputTail()).containsExactly("token=${env.API_TOKEN}", "posting to https://${env.HOOK}");
        StringWriter text = new StringWriter();
        PlanRenderer.text(plan, new PrintWriter(text));
        StringWriter json = new StringWriter();
        PlanRenderer.json(plan, new PrintWriter(json));
        assertThat(text.toString()).contains("${env.HOOK}").doesNotContain(URL_SECRET);
        assertThat(json.toString()).contains("${env.API_TOKEN}").doesNotContain(TOKEN).doesNotContain(URL_SECRET);
        List<Path> written = files(f.stateDir);
        assertThat(written).isNotEmpty();
        for (Path p : written) {
            String content = Files.readString(p, StandardCharsets.ISO_8859_1);
            assertThat(content).as(p.toString()).doesNotContain(TOKEN).doesNotContain(URL_SECRET);
        }
        assertThat(Files.readString(f.store().logFile(f.latest().runId(), "call"))).contains("token=${env.API_TOKEN}")
                .contains("posting to https://${env.HOOK}");
    }

    @Test
    void a_param_from_the_environment_is_recorded_as_written_and_read_from_the_environment_again_on_resume() throws IOException {
        EngineFixture f = new EngineFixture(dir, "param", """
                params:
                  auth: "Bearer ${env.API_TOKEN}"
                steps:
                  - id: call
                    type: shell
                    with:
                      command: "echo $AUTH; test \\"$AUTH\\" = \\"Bearer $(cat token)\\" || exit 9; test -f go || exit 4"
                      env: { AUTH: "${params.auth}" }
                      workdir: "$DIR"
                """, Map.of("API_TOKEN", TOKEN, "PATH", System.getenv("PATH")));
        Files.writeString(dir.resolve("token"), TOKEN);

        Plan plan = f.engine().plan(RunRequest.newRun(f.file));
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("call").error()).isEqualTo("command exited with code 4"); // 4, not 9: it had the token
        assertThat(f.latest().params()).containsEntry("auth", "Bearer ${env.API_TOKEN}");
        Files.writeString(dir.resolve("go"), "");
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK); // the resume read the token from the environment again

        StringWriter text = new StringWriter();
        PlanRenderer.text(plan, new PrintWriter(text));
        assertThat(text.toString()).contains("auth=Bearer ${env.API_TOKEN}").doesNotContain(TOKEN);
        for (Path p : files(f.stateDir)) {
            assertThat(Files.readString(p, StandardCharsets.ISO_8859_1)).as(p.toString()).doesNotContain(TOKEN);
        }
        assertThat(Files.getPosixFilePermissions(f.store().root()))
                .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).toList();
        }
    }
}
