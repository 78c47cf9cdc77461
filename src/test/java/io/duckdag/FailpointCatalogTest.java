package io.duckdag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The failpoints are listed in one place (Failpoints.CATALOG), and the crash matrix visits every
 * one: a failpoint added to the code and not to the catalog, or to the catalog and not to a crash
 * test that kills the jar there, fails here.
 */
class FailpointCatalogTest {
    /** Every call of Failpoints.hit in the code, as written, with the catalog entries it makes. */
    static final Map<String, List<String>> CALLS = Map.of(
            "engine/Engine.java: \"run-recorded\"", List.of("run-recorded"),
            "engine/Attempts.java: \"before:\" + id", List.of("before:STEP"),
            "engine/Attempts.java: \"after:\" + id", List.of("after:STEP"),
            "engine/Attempts.java: \"recorded:\" + id", List.of("recorded:STEP"),
            "steps/CompactStep.java: \"compact:partition-done:\" + table.name()", List.of("compact:partition-done:TABLE"),
            "steps/SyncMetadataStep.java: \"sync:before-commit\"", List.of("sync:before-commit"),
            "lake/Housekeeping.java: \"prune:retired\"", List.of("prune:retired"),
            // The journal's points are prefixed by whoever applies an entry: "swap:TABLE", "rollback:TABLE", or "recover".
            "state/Journal.java: point + \":journaled\"", List.of("swap:TABLE:journaled", "rollback:TABLE:journaled"),
            "state/Journal.java: point + \":moved-\" + (++n)", List.of("swap:TABLE:moved-N", "rollback:TABLE:moved-N", "recover:moved-N"),
            "state/Journal.java: point + \":moves-durable\"", List.of("swap:TABLE:moves-durable", "rollback:TABLE:moves-durable",
                    "recover:moves-durable"));

    static final Path MAIN = Path.of("src/main/java/io/duckdag");

    @Test
    void every_failpoint_in_the_code_is_in_the_catalog() throws Exception {
        List<String> found = new ArrayList<>();
        Pattern hit = Pattern.compile("failpoints(?:\\(\\))?\\.hit\\((.*)\\);");
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("Failpoints.java")).toList()) {
                Matcher m = hit.matcher(Files.readString(f));
                while (m.find()) {
                    found.add(MAIN.relativize(f) + ": " + m.group(1));
                }
            }
        }
        assertThat(new TreeSet<>(found)).as("calls of Failpoints.hit: a new one must be added to Failpoints.CATALOG, "
                + "to CALLS here, and to a crash test that kills the jar there").isEqualTo(new TreeSet<>(CALLS.keySet()));
        TreeSet<String> made = new TreeSet<>();
        CALLS.values().forEach(made::addAll);
        assertThat(made).isEqualTo(new TreeSet<>(Failpoints.CATALOG));
        // The prefixes the journal's points get.
        assertThat(Files.readString(MAIN.resolve("steps/SwapStep.java"))).contains("\"swap:\" + ");
        assertThat(Files.readString(MAIN.resolve("engine/Maintenance.java"))).contains("\"rollback:\" + table");
        assertThat(Files.readString(MAIN.resolve("state/Journal.java"))).contains("carryOut(entry, \"recover\")");
    }

    @Test
    void the_crash_tests_kill_the_jar_at_every_failpoint_of_the_catalog() throws Exception {
        List<String> armed = new ArrayList<>();
        Pattern literal = Pattern.compile("\"([A-Za-z0-9_:\\[\\]-]+)(?:@halt)?\"");
        try (Stream<Path> files = Files.list(Path.of("src/test/java/io/duckdag/process"))) {
            for (Path f : files.filter(p -> p.toString().endsWith("IT.java")).toList()) {
                Matcher m = literal.matcher(Files.readString(f));
                while (m.find()) {
                    armed.add(m.group(1));
                }
            }
        }
        for (String entry : Failpoints.CATALOG) {
            assertThat(armed.stream().anyMatch(a -> Failpoints.pattern(entry).matcher(a).matches()))
                    .as("no crash test (src/test/java/io/duckdag/process/*IT.java) kills the jar at " + entry).isTrue();
        }
    }

    @Test
    void arming_a_point_that_does_not_exist_is_refused() {
        assertThatThrownBy(() -> Failpoints.fromEnvironment(Map.of(Failpoints.VARIABLE, "swap:income:moved")))
                .hasMessageStartingWith("DUCKDAG_FAILPOINT: no failpoint 'swap:income:moved'; the failpoints are run-recorded, before:STEP");
        assertThat(Failpoints.known("before:compact[income]")).isTrue();
        assertThat(Failpoints.known("recover:moved-12")).isTrue();
        assertThat(Failpoints.known("recover:moved-x")).isFalse();
    }
}
