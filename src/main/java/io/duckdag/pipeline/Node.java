package io.duckdag.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * A YAML value with the place it was written. The loader validates against these
 * instead of Jackson's tree so that every error can name a line and column.
 */
public sealed interface Node permits Node.Mapping, Node.Sequence, Node.Scalar {

    Location location();

    /** How the value reads in an error message: "a list", "the number 3". */
    String describe();

    record Entry(String key, Location keyLocation, Node value) {
    }

    record Mapping(List<Entry> entries, Location location) implements Node {
        public Mapping {
            entries = List.copyOf(entries);
        }

        public Optional<Entry> entry(String key) {
            return entries.stream().filter(e -> e.key().equals(key)).findFirst();
        }

        public Optional<Node> get(String key) {
            return entry(key).map(Entry::value);
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record Sequence(List<Node> items, Location location) implements Node {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    record Scalar(String text, Kind kind, Location location) implements Node {
        public enum Kind { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

        public Scalar {
            if (text == null) {
                throw new IllegalArgumentException("text must not be null");
            }
        }

        public boolean isNull() {
            return kind == Kind.NULL;
        }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "the text '" + text + "'";
                case INTEGER, FLOAT -> "the number " + text;
                case BOOLEAN -> "the boolean " + text;
                case NULL -> "nothing (null)";
            };
        }
    }
}
