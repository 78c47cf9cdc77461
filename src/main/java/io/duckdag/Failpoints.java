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

    /**
     * Every failpoint there is, in one place: STEP stands for a step id, TABLE for a table, N for
     * a number. A new {@link #hit} must be added here, and the crash matrix must visit it:
     * FailpointCatalogTest fails otherwise, and arming a point not listed here is refused.
     */
    public static final java.util.List<String> CATALOG = java.util.List.of(
            "run-recorded",
            "before:STEP", "after:STEP", "recorded:STEP",
            "compact:partition-done:TABLE",
            "swap:TABLE:journaled", "swap:TABLE:moved-N", "swap:TABLE:moves-durable",
            "recover:moved-N", "recover:moves-durable",
            "rollback:TABLE:journaled", "rollback:TABLE:moved-N", "rollback:TABLE:moves-durable",
            "sync:before-commit",
            "prune:retired");

    /** The pattern of {@code entry} of {@link #CATALOG} as a regular expression. */
    public static java.util.regex.Pattern pattern(String entry) {
        return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(entry).replace("STEP", "\\E.+\\Q")
                .replace("TABLE", "\\E[A-Za-z0-9_-]+\\Q").replace("-N", "-\\E[0-9]+\\Q"));
    }

    /** Whether {@code point} is one of the {@link #CATALOG}'s. */
    public static boolean known(String point) {
        return CATALOG.stream().anyMatch(entry -> pattern(entry).matcher(point).matches());
    }
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
            if (!known(point)) {
                throw DuckdagException.usage(VARIABLE + ": no failpoint '" + point + "'; the failpoints are " + String.join(", ", CATALOG));
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
