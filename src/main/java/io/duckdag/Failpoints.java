package io.duckdag;

import java.util.HashMap;
import java.util.Map;

/**
 * Named places where tests make duckdag fail or die, set with the environment variable
 * {@code DUCKDAG_FAILPOINT}: a comma-separated list of {@code point} or {@code point@action},
 * e.g. {@code after:compact[income]} or {@code before:swap[income]@fail}.
 * Actions: {@code halt} (default: the process dies at once, as with kill -9) and {@code fail}
 * (the step fails with an error). Unset in normal use, where every check is a map lookup.
 */
public final class Failpoints {
    public static final String VARIABLE = "DUCKDAG_FAILPOINT";
    public static final Failpoints NONE = new Failpoints(Map.of());

    private final Map<String, String> actions;

    private Failpoints(Map<String, String> actions) {
        this.actions = Map.copyOf(actions);
    }

    public static Failpoints fromEnvironment(Map<String, String> env) {
        String spec = env.get(VARIABLE);
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        Map<String, String> actions = new HashMap<>();
        for (String entry : spec.split(",")) {
            String e = entry.strip();
            int at = e.lastIndexOf('@');
            String point = at < 0 ? e : e.substring(0, at);
            String action = at < 0 ? "halt" : e.substring(at + 1);
            if (!action.equals("halt") && !action.equals("fail")) {
                throw DuckdagException.usage(VARIABLE + ": unknown action '" + action + "' in '" + e + "'; use @halt or @fail");
            }
            actions.put(point, action);
        }
        return new Failpoints(actions);
    }

    /** Dies or throws here if this point is armed. */
    public void hit(String point) {
        String action = actions.get(point);
        if (action == null) {
            return;
        }
        if (action.equals("halt")) {
            System.err.println("duckdag: failpoint " + point + ": halting");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        throw new IllegalStateException("failpoint " + point);
    }
}
