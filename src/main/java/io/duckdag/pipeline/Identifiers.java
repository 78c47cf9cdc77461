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
            // A control character is shown as '?': an escape sequence in a name must not reach the terminal.
            String shown = name == null || name.isEmpty() ? "an empty name" : "'" + name.replaceAll("\\p{Cntrl}", "?") + "'";
            throw new PipelineException(at, what + " must be a plain name of letters, digits, '_' and '-' (at most "
                    + MAX_LENGTH + " characters, not starting with '-'), but is " + shown);
        }
        return name;
    }

    /**
     * Returns the column name {@code name} or throws: any non-empty name without control
     * characters; a partition column ({@code folder}) also without '/' and '=', which would break its folder name.
     */
    public static String requireColumn(String name, String what, boolean folder, Location at) {
        if (name == null || name.isEmpty()) {
            throw new PipelineException(at, what + " must name a column, but is empty");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new PipelineException(at, what + " '" + name.replaceAll("\\p{Cntrl}", "?") + "' holds a control character; "
                    + "write the column's name as the files have it");
        }
        if (folder && (name.contains("/") || name.contains("="))) {
            throw new PipelineException(at, what + " '" + name + "' holds '/' or '=': a partition column is a folder "
                    + "<name>=<value>, so its name cannot hold them");
        }
        return name;
    }
}
