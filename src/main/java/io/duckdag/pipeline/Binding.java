package io.duckdag.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * Where one expanded step's {@code with:} is being bound: the pipeline (for its tables), the
 * step as written, how messages name it, its foreach item and the run's date. The helpers check
 * table names the way every step type that takes them must.
 *
 * @param stepName how messages name the step ("step 'compact' (item income)")
 * @param item     the foreach item, or null
 */
public record Binding(Pipeline pipeline, StepSpec spec, String stepName, String item, String runDate) {

    /** "'with' of step 'compact' (item income)", for {@link Nodes#allowOnly} and required keys. */
    public String where() {
        return "'with' of " + stepName;
    }

    /** The one table of a step that works on one: {@code with.table}, else the item of {@code foreach: tables}. */
    public String oneTable(Node.Mapping with) {
        Optional<Node> tableNode = with.get("table");
        if (tableNode.isPresent()) {
            return declaredTable(Nodes.text(tableNode.get(), "table"), tableNode.get().location());
        }
        if (spec.foreach().isPresent() && spec.foreach().get().overTables()) {
            return item;
        }
        throw new PipelineException(spec.location(), "a " + spec.type().yamlName()
                + " step works on one table: add 'foreach: tables' or 'with: { table: NAME }'");
    }

    /** {@code with.tables}, each declared, or every declared table when it is left out. */
    public List<String> tables(Node.Mapping with) {
        Optional<Node> node = with.get("tables");
        if (node.isEmpty()) {
            return pipeline.tableNames();
        }
        List<String> names = Nodes.names(node.get(), "tables");
        List<Node> places = node.get() instanceof Node.Sequence seq ? seq.items() : List.of(node.get());
        for (int i = 0; i < names.size(); i++) {
            declaredTable(names.get(i), places.get(i).location());
        }
        return names;
    }

    public String declaredTable(String name, Location at) {
        Identifiers.require(name, "a table name", at);
        if (pipeline.table(name).isEmpty()) {
            String known = pipeline.tableNames().isEmpty() ? " (the pipeline declares no tables)"
                    : Suggestions.hint(name, pipeline.tableNames()).isEmpty()
                    ? " (declared tables: " + String.join(", ", pipeline.tableNames()) + ")"
                    : Suggestions.hint(name, pipeline.tableNames());
            throw new PipelineException(at, "table '" + name + "' is not declared under 'tables:'" + known);
        }
        return name;
    }
}
