package io.duckdag.pipeline;

/** One entry of a step's {@code depends_on}: a step id, or one item of a foreach step ({@code compact[income]}). */
public record Dependency(String stepId, String item, Location location) {

    public static Dependency parse(String text, Location at) {
        int open = text.indexOf('[');
        if (open > 0 && text.endsWith("]")) {
            return new Dependency(text.substring(0, open), text.substring(open + 1, text.length() - 1), at);
        }
        return new Dependency(text, null, at);
    }

    @Override
    public String toString() {
        return item == null ? stepId : stepId + "[" + item + "]";
    }
}
