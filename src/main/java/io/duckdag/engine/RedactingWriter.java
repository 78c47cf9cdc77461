package io.duckdag.engine;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;
import java.util.function.UnaryOperator;

/**
 * A writer that passes each string written through {@code redact} first. A step's log takes
 * whole lines and messages in one write, so a secret is never split between two.
 */
final class RedactingWriter extends FilterWriter {
    private final UnaryOperator<String> redact;

    RedactingWriter(Writer out, UnaryOperator<String> redact) {
        super(out);
        this.redact = redact;
    }

    @Override
    public void write(String text, int off, int len) throws IOException {
        String redacted = redact.apply(text.substring(off, off + len));
        out.write(redacted, 0, redacted.length());
    }

    @Override
    public void write(char[] chars, int off, int len) throws IOException {
        write(new String(chars, off, len), 0, len);
    }
}
