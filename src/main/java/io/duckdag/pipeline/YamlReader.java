package io.duckdag.pipeline;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a YAML file into {@link Node}s with Jackson's streaming YAML parser.
 *
 * <p>Strict on purpose: duplicate keys, anchors and aliases (which Jackson would read
 * as plain strings), non-string keys, several documents, oversized files and deep nesting
 * are all refused with the place they occur. Size is checked before parsing because a huge
 * document takes minutes to be rejected by the parser itself.
 */
public final class YamlReader {
    /** A pipeline is a few kilobytes; anything near this is a mistake, not a pipeline. */
    public static final long MAX_BYTES = 1024 * 1024;
    /** Deeper than any valid pipeline (root, steps, step, with, env, value) by a wide margin. */
    public static final int MAX_DEPTH = 32;

    private final YAMLFactory factory;

    public YamlReader() {
        LoaderOptions options = new LoaderOptions();
        options.setNestingDepthLimit(MAX_DEPTH + 8);
        options.setAllowDuplicateKeys(true); // we detect them ourselves, with both places
        this.factory = YAMLFactory.builder().loaderOptions(options).build();
    }

    /** Reads {@code file}, naming it {@code displayName} in every location. */
    public Node.Mapping read(Path file, String displayName) {
        return parse(readText(file, displayName), displayName);
    }

    /** Parses YAML text that came from {@code displayName}. */
    public Node.Mapping parse(String text, String displayName) {
        Location start = Location.startOf(displayName);
        try (JsonParser parser = factory.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new PipelineException(start, "the file is empty; a pipeline needs at least 'pipeline:' and 'steps:'");
            }
            Node root = new TreeBuilder((YAMLParser) parser, displayName).node(first, 1);
            if (parser.nextToken() != null) {
                throw new PipelineException(locate(parser, displayName),
                        "the file holds more than one YAML document; put the whole pipeline in one document");
            }
            if (!(root instanceof Node.Mapping mapping)) {
                throw new PipelineException(root.location(),
                        "a pipeline must be a mapping with keys such as 'pipeline:' and 'steps:', but the file holds " + root.describe());
            }
            return mapping;
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
                Mark mark = yaml.getProblemMark();
                String context = yaml.getContext() == null ? "" : " (" + yaml.getContext()
                        + (yaml.getContextMark() == null ? "" : " that starts at line " + (yaml.getContextMark().getLine() + 1)) + ")";
                throw new PipelineException(new Location(displayName, mark.getLine() + 1, mark.getColumn() + 1),
                        "malformed YAML: " + firstLine(yaml.getProblem()) + context + "; check the indentation and quoting here");
            }
            JsonLocation where = e.getLocation();
            Location at = where == null ? start
                    : new Location(displayName, Math.max(1, where.getLineNr()), Math.max(1, where.getColumnNr()));
            throw new PipelineException(at, "malformed YAML: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new PipelineException(start, "cannot read the file: " + e.getMessage());
        }
    }

    /** The file's text, refused before any parsing when it is too large or not UTF-8. */
    public static String readText(Path file, String displayName) {
        Location start = Location.startOf(displayName);
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new PipelineException(start, "the file is " + size + " bytes; a pipeline file may be at most "
                        + MAX_BYTES + " bytes (1 MiB). Is this the right file?");
            }
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new PipelineException(start, "no such file; check the path (relative paths start from the current directory)");
        } catch (CharacterCodingException e) {
            throw new PipelineException(start, "the file is not UTF-8 text; save it as UTF-8");
        } catch (IOException e) {
            throw new PipelineException(start, "cannot read the file: " + e.getMessage());
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "the parser gave no reason";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.isEmpty() ? "the parser gave no reason" : line;
    }

    private static Location locate(JsonParser parser, String file) {
        JsonLocation where = parser.currentTokenLocation();
        return new Location(file, Math.max(1, where.getLineNr()), Math.max(1, where.getColumnNr()));
    }

    /** Turns the token stream into nodes, one recursive call per nesting level. */
    private static final class TreeBuilder {
        private final YAMLParser parser;
        private final String file;

        TreeBuilder(YAMLParser parser, String file) {
            this.parser = parser;
            this.file = file;
        }

        Node node(JsonToken token, int depth) throws IOException {
            Location at = locate(parser, file);
            refuseAnchorsAndAliases(at);
            if (depth > MAX_DEPTH) {
                throw new PipelineException(at, "the YAML is nested more than " + MAX_DEPTH + " levels deep; a pipeline never needs that");
            }
            return switch (token) {
                case START_OBJECT -> mapping(at, depth);
                case START_ARRAY -> sequence(at, depth);
                case VALUE_STRING -> new Node.Scalar(parser.getText(), Node.Scalar.Kind.STRING, at);
                case VALUE_NUMBER_INT -> new Node.Scalar(parser.getText(), Node.Scalar.Kind.INTEGER, at);
                case VALUE_NUMBER_FLOAT -> new Node.Scalar(parser.getText(), Node.Scalar.Kind.FLOAT, at);
                case VALUE_TRUE, VALUE_FALSE -> new Node.Scalar(parser.getText(), Node.Scalar.Kind.BOOLEAN, at);
                case VALUE_NULL -> new Node.Scalar("", Node.Scalar.Kind.NULL, at);
                default -> throw new PipelineException(at, "unexpected YAML content (" + token + ")");
            };
        }

        private Node.Mapping mapping(Location at, int depth) throws IOException {
            List<Node.Entry> entries = new ArrayList<>();
            Map<String, Location> seen = new HashMap<>();
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_OBJECT) {
                if (token != JsonToken.FIELD_NAME) {
                    throw new PipelineException(locate(parser, file), "expected a key, found " + token);
                }
                Location keyAt = locate(parser, file);
                refuseAnchorsAndAliases(keyAt);
                String key = parser.currentName();
                Location first = seen.putIfAbsent(key, keyAt);
                if (first != null) {
                    throw new PipelineException(keyAt, "duplicate key '" + key + "' (first written at line "
                            + first.line() + "); YAML keeps only one of them, so remove or rename one");
                }
                if ("<<".equals(key)) {
                    throw new PipelineException(keyAt, "YAML merge keys ('<<') are not supported; write the keys out in full");
                }
                Node value = node(parser.nextToken(), depth + 1);
                entries.add(new Node.Entry(key, keyAt, value));
            }
            return new Node.Mapping(entries, at);
        }

        private Node.Sequence sequence(Location at, int depth) throws IOException {
            List<Node> items = new ArrayList<>();
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                items.add(node(token, depth + 1));
            }
            return new Node.Sequence(items, at);
        }

        private void refuseAnchorsAndAliases(Location at) throws IOException {
            if (parser.isCurrentAlias()) {
                throw new PipelineException(at, "YAML aliases ('*" + parser.getText()
                        + "') are not supported; write the value out in full");
            }
            String anchor = parser.getCurrentAnchor();
            if (anchor != null) {
                throw new PipelineException(at, "YAML anchors ('&" + anchor
                        + "') are not supported; write the value out in full where it is used");
            }
        }
    }
}
