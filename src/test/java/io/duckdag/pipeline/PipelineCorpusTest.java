package io.duckdag.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under pipelines/invalid ends with a comment {@code # error: LINE:COL: message}
 * holding the exact error it must produce; every file under pipelines/valid, and every
 * example under the repository's pipelines/, must load.
 */
class PipelineCorpusTest {
    static final Path INVALID = Path.of("src/test/resources/pipelines/invalid");
    static final Path VALID = Path.of("src/test/resources/pipelines/valid");
    static final String MARK = "# error: ";

    static Stream<Path> invalidFiles() throws IOException {
        return list(INVALID);
    }

    static Stream<Path> validFiles() throws IOException {
        return Stream.concat(list(VALID), list(Path.of("pipelines")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void invalid_pipeline_fails_with_the_exact_message_and_place(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String expected = lines.get(lines.size() - 1);
        assertThat(expected).as("last line of %s", file).startsWith(MARK);

        assertThatThrownBy(() -> TestLoading.load(file))
                .isInstanceOfSatisfying(DuckdagException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID);
                    assertThat(e.getMessage()).isEqualTo(file + ":" + expected.substring(MARK.length()));
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFiles")
    void valid_pipeline_loads(Path file) {
        Pipeline pipeline = TestLoading.load(file);
        assertThat(pipeline.steps()).isNotEmpty();
        assertThat(pipeline.file()).isEqualTo(file.toString());
        assertThat(pipeline.sha256()).hasSize(64);
    }

    private static Stream<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static Map<String, String> noEnv() {
        return Map.of();
    }
}
