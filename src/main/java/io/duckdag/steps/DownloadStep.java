package io.duckdag.steps;

import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.PipelineException;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.Suggestions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The download type: {@code source: demo} generates a vendor's day of files
 * ({@link DemoDownloadStep}), {@code source: http} fetches one URL to one file
 * ({@link HttpDownloadStep}).
 */
public final class DownloadStep extends KindBase<DownloadStep.Config> {
    private static final Set<String> DEMO_KEYS = Set.of("source", "tables", "date", "seed", "rows", "files");
    private static final Set<String> HTTP_KEYS = Set.of("source", "url", "to", "sha256");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    /** One of the sources. */
    public sealed interface Config extends StepConfig permits Demo, Http {
    }

    /** {@code source: demo}: deterministic generated files for the named tables. */
    public record Demo(List<String> tables, String date, long seed, int rows, int files) implements Config {
        public static final long DEFAULT_SEED = 42;
        public static final int DEFAULT_ROWS = 20_000;
        public static final int DEFAULT_FILES = 24;

        public Demo {
            tables = List.copyOf(tables);
        }
    }

    /** {@code source: http}: one URL to one file, optionally checked against a SHA-256. */
    public record Http(String url, Path to, Optional<String> sha256) implements Config {
    }

    public DownloadStep() {
        super("download", Config.class, Role.FEEDS_LAKE, Map.of("download:demo", DEMO_KEYS, "download:http", HTTP_KEYS));
    }

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Node sourceNode = Nodes.required(with, "source", binding.where());
        String source = Nodes.text(sourceNode, "source");
        return switch (source) {
            case "demo" -> demo(with, binding);
            case "http" -> http(with, binding.where() + " (source: http)");
            default -> throw new PipelineException(sourceNode.location(), "unknown download source '" + source
                    + "'" + Suggestions.hint(source, List.of("demo", "http")) + " (known sources: demo, http)");
        };
    }

    private static Demo demo(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, DEMO_KEYS, binding.where() + " (source: demo)");
        String date = binding.runDate();
        Optional<Node> dateNode = with.get("date");
        if (dateNode.isPresent()) {
            date = Nodes.text(dateNode.get(), "date");
            if (!DATE.matcher(date).matches()) {
                throw new PipelineException(dateNode.get().location(), "date must be written YYYY-MM-DD, but is '" + date + "'");
            }
        }
        return new Demo(binding.tables(with), date,
                with.get("seed").map(n -> Nodes.longValue(n, "seed")).orElse(Demo.DEFAULT_SEED),
                with.get("rows").map(n -> Nodes.integer(n, "rows", 0)).orElse(Demo.DEFAULT_ROWS),
                with.get("files").map(n -> Nodes.integer(n, "files", 1)).orElse(Demo.DEFAULT_FILES));
    }

    private static Http http(Node.Mapping with, String where) {
        Nodes.allowOnly(with, HTTP_KEYS, where);
        Node urlNode = Nodes.required(with, "url", where);
        String url = Nodes.text(urlNode, "url");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new PipelineException(urlNode.location(), "url must start with http:// or https://, but is '" + url + "'");
        }
        Path to = Path.of(Nodes.text(Nodes.required(with, "to", where), "to"));
        Optional<String> sha = Optional.empty();
        Optional<Node> shaNode = with.get("sha256");
        if (shaNode.isPresent()) {
            String hex = Nodes.text(shaNode.get(), "sha256");
            if (!SHA256.matcher(hex).matches()) {
                throw new PipelineException(shaNode.get().location(), "sha256 must be 64 hexadecimal digits");
            }
            sha = Optional.of(hex.toLowerCase());
        }
        return new Http(url, to, sha);
    }

    @Override
    public StepDescription describe(Config config, PlanContext context) {
        if (config instanceof Demo d) {
            return new StepDescription("generate demo files for " + String.join(", ", d.tables()) + " (date " + d.date()
                    + ", seed " + d.seed() + ", " + d.rows() + " rows in " + d.files() + " files per table)",
                    List.of(), d.tables().stream().map(context.layout()::liveTable).toList());
        }
        Http h = (Http) config; // the only other source: Config is sealed
        return new StepDescription("fetch " + h.url() + h.sha256().map(s -> " and check its sha256").orElse(""),
                List.of(), List.of(h.to()));
    }

    @Override
    public void fingerprint(Config config, Pipeline pipeline, Map<String, Object> into) {
        if (config instanceof Demo) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("lake", pipeline.settings().lake().toString());
            into.put("settings", settings);
        }
    }

    @Override
    public StepResult execute(Config config, StepContext ctx) throws Exception {
        return config instanceof Demo d ? DemoDownloadStep.execute(d, ctx) : HttpDownloadStep.execute((Http) config, ctx);
    }
}
