package io.duckdag.plan;

import io.duckdag.DuckdagException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plan's id: four short hashes, of the pipeline definition, the resolved params, the
 * checkpoint state and the inputs, so that {@code run --plan ID} can say which of them
 * changed since the plan was printed. Nothing is stored: the id carries it all.
 */
public record PlanId(String definition, String params, String state, String inputs) {
    private static final Pattern SHAPE = Pattern.compile("[0-9a-f]{6}-[0-9a-f]{6}-[0-9a-f]{6}-[0-9a-f]{6}");

    public static PlanId of(String definitionHash, String paramsHash, String stateHash, String inputsHash) {
        return new PlanId(definitionHash.substring(0, 6), paramsHash.substring(0, 6), stateHash.substring(0, 6),
                inputsHash.substring(0, 6));
    }

    public static PlanId parse(String text) {
        if (text == null || !SHAPE.matcher(text).matches()) {
            throw DuckdagException.usage("--plan " + text + ": a plan id looks like 1a2b3c-4d5e6f-708192-a3b4c5, as 'duckdag plan FILE' prints it");
        }
        String[] parts = text.split("-");
        return new PlanId(parts[0], parts[1], parts[2], parts[3]);
    }

    /** What differs between the plan that was reviewed and this one, in words. */
    public List<String> changesSince(PlanId reviewed) {
        List<String> changes = new ArrayList<>();
        if (!definition.equals(reviewed.definition)) {
            changes.add("the pipeline file changed");
        }
        if (!params.equals(reviewed.params)) {
            changes.add("the params changed");
        }
        if (!state.equals(reviewed.state)) {
            changes.add("the checkpoint state changed (a run ran or advanced since)");
        }
        if (!inputs.equals(reviewed.inputs)) {
            changes.add("the input data changed (files in the lake were added, removed or rewritten)");
        }
        return changes;
    }

    @Override
    public String toString() {
        return definition + "-" + params + "-" + state + "-" + inputs;
    }
}
