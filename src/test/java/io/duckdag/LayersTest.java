package io.duckdag;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages are layers, and data flows one way (docs/ARCHITECTURE.md): each package imports
 * only the ones listed here for it, and cli names the step kinds only through their registry.
 */
class LayersTest {
    static final Map<String, Set<String>> MAY_IMPORT = Map.of(
            "pipeline", Set.of(),
            "state", Set.of("pipeline"),
            "lake", Set.of("state", "pipeline"),
            "kind", Set.of("lake", "state", "pipeline"),
            "plan", Set.of("kind", "lake", "state", "pipeline"),
            "steps", Set.of("kind", "lake", "state", "pipeline"),
            "engine", Set.of("plan", "kind", "lake", "state", "pipeline"),
            "cli", Set.of("engine", "plan", "kind", "lake", "state", "pipeline", "steps"));
    static final Path MAIN = Path.of("src/main/java/io/duckdag");
    static final Pattern IMPORT = Pattern.compile("(?m)^import io\\.duckdag\\.([a-z]+)\\.([A-Za-z0-9_.]+);");

    @Test
    void no_package_imports_one_above_it_and_cli_knows_the_kinds_only_by_their_registry() throws Exception {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.getParent().getParent().equals(MAIN)).toList()) {
                String layer = f.getParent().getFileName().toString();
                assertThat(MAY_IMPORT).as("a package no layer is given for: " + layer).containsKey(layer);
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String used = m.group(1);
                    boolean allowed = used.equals(layer) || MAY_IMPORT.get(layer).contains(used);
                    if (layer.equals("cli") && used.equals("steps")) {
                        allowed = m.group(2).equals("StandardKinds");
                    }
                    if (!allowed) {
                        wrong.add(MAIN.relativize(f) + " imports io.duckdag." + used + "." + m.group(2));
                    }
                }
            }
        }
        assertThat(wrong).as("imports that run back up the layers").isEmpty();
    }
}
