package io.duckdag.pipeline;

import io.duckdag.kind.StepKind;
import io.duckdag.steps.StandardKinds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * schema/pipeline.schema.json, which editors use to complete and check pipelines, against the
 * loader: every pipeline the loader accepts (the examples, the valid test pipelines) validates,
 * the schema lists exactly the keys the loader takes at each level, and it refuses a misspelt key.
 */
class SchemaTest {
    static final Path SCHEMA = Path.of("schema/pipeline.schema.json");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    static Schema schema() throws IOException {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(Files.newInputStream(SCHEMA));
    }

    static List<Path> accepted() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("pipelines"), Path.of("src/test/resources/pipelines/valid"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void every_pipeline_the_loader_accepts_validates_against_the_schema() throws Exception {
        Schema schema = schema();
        List<Path> files = accepted();
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        for (Path file : files) {
            new PipelineLoader(Map.of("HOME", "/home/analyst"), StandardKinds.all()).load(file, Map.of(), "20240630-010203-004", "2024-06-30");
            List<Error> errors = schema.validate(asEditorsReadIt(Files.readString(file)));
            assertThat(errors).as(file + " against " + SCHEMA).isEmpty();
        }
    }

    @Test
    void the_examples_point_editors_at_the_schema() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("pipelines"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertThat(Files.readAllLines(p).get(0)).as(p.toString()).isEqualTo("# yaml-language-server: $schema=../schema/pipeline.schema.json");
            }
        }
    }

    @Test
    void the_schema_lists_exactly_the_keys_the_loader_takes() throws Exception {
        JsonNode root = JSON.readTree(SCHEMA.toFile());
        JsonNode defs = root.get("definitions");
        assertThat(keys(root)).isEqualTo(PipelineLoader.ROOT_KEYS);
        assertThat(keys(root.at("/properties/settings"))).isEqualTo(PipelineLoader.SETTINGS_KEYS);
        assertThat(keys(root.at("/properties/settings/properties/duckdb"))).isEqualTo(PipelineLoader.DUCKDB_KEYS);
        assertThat(keys(root.at("/properties/tables/additionalProperties"))).isEqualTo(PipelineLoader.TABLE_KEYS);
        assertThat(keys(defs.get("step"))).isEqualTo(PipelineLoader.STEP_KEYS);
        for (StepKind<?> kind : StandardKinds.all().all()) {
            for (Map.Entry<String, Set<String>> with : kind.withKeys().entrySet()) {
                String definition = "with-" + with.getKey().replace(':', '-');
                assertThat(defs.has(definition)).as(definition).isTrue();
                assertThat(keys(defs.get(definition))).as(definition).isEqualTo(with.getValue());
            }
        }
        // Every step type has its 'with' in the schema, and no other type is listed.
        Set<String> types = new LinkedHashSet<>();
        defs.at("/step/properties/type/enum").forEach(t -> types.add(t.asText()));
        assertThat(types).isEqualTo(new LinkedHashSet<>(StandardKinds.all().names()));
    }

    @Test
    void a_misspelt_key_or_a_wrong_value_is_flagged() throws Exception {
        Schema schema = schema();
        String good = "pipeline: p\nsteps:\n  - { id: a, type: compact, with: { table: t } }\n";
        assertThat(schema.validate(asEditorsReadIt(good))).isEmpty();
        assertThat(schema.validate(asEditorsReadIt(good.replace("table: t", "tabel: t")))).isNotEmpty();
        assertThat(schema.validate(asEditorsReadIt(good.replace("type: compact", "type: compactt")))).isNotEmpty();
        assertThat(schema.validate(asEditorsReadIt(good + "setings: {}\n"))).isNotEmpty();
        assertThat(schema.validate(asEditorsReadIt(good.replace("{ id: a,", "{ id: a, trigger_rule: always,")))).isNotEmpty();
        String check = "pipeline: p\nsteps:\n  - { id: c, type: check, with: { table: t, data: live, not_null: [a] } }\n";
        assertThat(schema.validate(asEditorsReadIt(check))).isEmpty();
        assertThat(schema.validate(asEditorsReadIt(check.replace("data: live", "data: stagd")))).isNotEmpty();
        assertThat(schema.validate(asEditorsReadIt(check.replace("data: live, ", "")))).as("data is required").isNotEmpty();
        assertThat(schema.validate(asEditorsReadIt(check.replace(", not_null: [a]", "")))).as("an assertion is required").isNotEmpty();
        assertThat(schema.validate(asEditorsReadIt(check.replace("not_null: [a]", "row_count: { max_change: 0.5 }")))).isNotEmpty();
    }

    /**
     * The pipeline as a YAML 1.2 editor reads it (yaml-language-server): through duckdag's own
     * reader, except that only true and false are booleans; YAML 1.1's yes, no, on and off,
     * which duckdag accepts as text where text is expected, are strings, and an empty value is null.
     */
    static JsonNode asEditorsReadIt(String text) {
        return json(new YamlReader().parse(text, "test.yaml"));
    }

    private static JsonNode json(Node node) {
        com.fasterxml.jackson.databind.node.JsonNodeFactory f = JSON.getNodeFactory();
        if (node instanceof Node.Mapping m) {
            com.fasterxml.jackson.databind.node.ObjectNode o = f.objectNode();
            m.entries().forEach(e -> o.set(e.key(), json(e.value())));
            return o;
        }
        if (node instanceof Node.Sequence seq) {
            com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
            seq.items().forEach(i -> a.add(json(i)));
            return a;
        }
        Node.Scalar sc = (Node.Scalar) node;
        return switch (sc.kind()) {
            case NULL -> f.nullNode();
            case INTEGER -> f.numberNode(new java.math.BigInteger(sc.text().replace("_", "")));
            case FLOAT -> f.numberNode(new java.math.BigDecimal(sc.text()));
            case BOOLEAN -> sc.text().equalsIgnoreCase("true") || sc.text().equalsIgnoreCase("false")
                    ? f.booleanNode(Boolean.parseBoolean(sc.text().toLowerCase())) : f.textNode(sc.text());
            // Jackson gives an empty value (`cash_flow:`) as the empty string; YAML 1.2 reads it as null.
            case STRING -> sc.text().isEmpty() ? f.nullNode() : f.textNode(sc.text());
        };
    }

    private static Set<String> keys(JsonNode objectSchema) {
        Set<String> out = new LinkedHashSet<>();
        for (Iterator<String> it = objectSchema.get("properties").fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
