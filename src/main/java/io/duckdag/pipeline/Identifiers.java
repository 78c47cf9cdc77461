package io.duckdag.pipeline;

import java.util.regex.Pattern;

/**
 * Names that reach paths, SQL or step ids. Only letters, digits, '_' and '-' are allowed,
 * so '..', '/', glob characters and quotes can never get through.
 */
public final class Identifiers {
    public static final int MAX_LENGTH = 64;
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0," + (MAX_LENGTH - 1) + "}");

    private Identifiers() {
    }

    public static boolean isPlain(String name) {
        return name != null && PLAIN.matcher(name).matches();
    }

    /** Returns {@code name} or throws, saying what {@code what} is and where. */
    public static String require(String name, String what, Location at) {
        if (!isPlain(name)) {
            String shown = name == null || name.isEmpty() ? "an empty name" : "'" + name + "'";
            throw new PipelineException(at, what + " must be a plain name of letters, digits, '_' and '-' (at most "
                    + MAX_LENGTH + " characters, not starting with '-'), but is " + shown);
        }
        return name;
    }
}
