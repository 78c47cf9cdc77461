package io.duckdag;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pipelines the tests run, each kept once under src/test/resources/pipelines/fixtures/ and
 * filled in here: a {@code {{name}}} marker takes the value given for name (most often
 * {@code dir}, the test's temporary folder). A marker without a value, or a value no marker
 * takes, fails the test, so a renamed marker cannot leave a test running another pipeline.
 * Files under fixtures/lake-fixture/ are the tables and steps that the steps tests' LakeFixture
 * puts after its own settings (fixtures/lake-fixture/settings.yaml).
 */
public final class TestPipelines {
    private static final Pattern MARKER = Pattern.compile("\\{\\{([a-z][a-z0-9_]*)}}");

    /** The text of fixtures/{@code name}.yaml, which has no markers. */
    public static String text(String name) {
        return text(name, Map.of());
    }

    /** The text of fixtures/{@code name}.yaml with its markers filled from {@code values}. */
    public static String text(String name, Map<String, ?> values) {
        String resource = "/pipelines/fixtures/" + name + ".yaml";
        String template;
        try (InputStream in = TestPipelines.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test pipeline " + resource + " on the classpath");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> unused = new LinkedHashSet<>(values.keySet());
        Matcher m = MARKER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException(resource + " has the marker {{" + key + "}} but no value was given for it");
            }
            unused.remove(key);
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(values.get(key))));
        }
        m.appendTail(out);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(resource + " has no marker for " + unused);
        }
        return out.toString();
    }

    /** Writes the filled pipeline to {@code file} (creating its folder), for the CLI or the jar to read; returns {@code file}. */
    public static Path write(Path file, String name, Map<String, ?> values) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text(name, values));
        return file;
    }

    private TestPipelines() {
    }
}
