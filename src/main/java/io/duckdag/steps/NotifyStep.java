package io.duckdag.steps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.PipelineException;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.Suggestions;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * POSTs a JSON summary of the run so far (its status, the failed steps with the first line of
 * their error, each step's status, per-table numbers of the lake steps) to a webhook, as it is or
 * through a body template that Slack, Feishu or DingTalk accept. Meant for {@code trigger_rule:
 * one_failed} or {@code all_done}.
 *
 * <p>Webhook URLs carry their secret in the path or query, and headers carry tokens: neither is
 * ever written by this class (plan, log, metrics, errors show {@code scheme://host[:port]/…} and
 * header names only), and answers are scrubbed of them before they are logged.
 */
public final class NotifyStep extends KindBase<NotifyStep.Config> {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final int ANSWER_LOGGED = 300;
    static final int ERROR_LINE = 300;
    private static final Set<String> WITH_KEYS = Set.of("url", "headers", "body", "timeout");
    /** What a body template can name, in the order messages list them. */
    static final List<String> PLACEHOLDERS = List.of("pipeline", "run_id", "run_date", "status", "counts", "failed_steps",
            "errors", "tables", "text");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers the JDK's client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");
    /** The lake steps whose numbers the summary gives per table, in that order. */
    private static final List<String> TABLE_STEPS = List.of("compact", "verify", "swap");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * The bound {@code with:}. Its {@code toString} shows neither the URL's path nor header values,
     * so that no message or log that prints it leaks them.
     */
    public record Config(URI url, Map<String, String> headers, Optional<Body> body, Duration timeout) implements StepConfig {
        public Config {
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        /** {@code scheme://host[:port]/…}: where it posts, without the path and query that hold a webhook's token. */
        public String address() {
            String port = url.getPort() < 0 ? "" : ":" + url.getPort();
            boolean more = (url.getRawPath() != null && !url.getRawPath().isEmpty()) || url.getRawQuery() != null;
            return url.getScheme() + "://" + url.getHost() + port + (more ? "/…" : "");
        }

        /** Text that must never be written anywhere: header values, the URL's user info, path and query. */
        List<String> secrets() {
            List<String> out = new ArrayList<>();
            for (String value : headers.values()) {
                out.add(value);
                // "Bearer TOKEN": the token alone too
                List.of(value.split("\\s+")).stream().filter(w -> w.length() >= 8).forEach(out::add);
            }
            out.add(url.getRawUserInfo());
            out.add(url.getRawPath());
            out.add(url.getRawQuery());
            // A token is a long path segment (Slack, Feishu) or a query value (DingTalk's access_token).
            if (url.getRawPath() != null) {
                List.of(url.getRawPath().split("/")).stream().filter(w -> w.length() >= 16).forEach(out::add);
            }
            if (url.getRawQuery() != null) {
                List.of(url.getRawQuery().split("[&=]")).stream().filter(w -> w.length() >= 8).forEach(out::add);
            }
            // Short pieces ("/", "v2", "data") are not secrets, and scrubbing them would garble every message.
            return out.stream().filter(s -> s != null && s.length() >= 6).distinct()
                    .sorted((a, b) -> b.length() - a.length()).toList();
        }

        @Override
        public String toString() {
            return "notify " + address() + " headers " + headers.keySet() + (body.isPresent() ? " with a body template" : "");
        }
    }

    /** A body template: JSON text, or a YAML mapping or list whose strings are templates. */
    public sealed interface Body permits JsonText, Tree {
    }

    /** JSON text; each placeholder is filled with its value escaped for a JSON string. */
    public record JsonText(String template) implements Body {
    }

    /** The body as YAML: each string in it is filled; numbers, booleans and nulls stay as written. */
    public record Tree(JsonNode shape) implements Body {
        public Tree {
            shape = shape.deepCopy();
        }
    }

    public NotifyStep() {
        super("notify", Config.class, Role.NONE, WITH_KEYS);
    }

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        Node urlNode = Nodes.required(with, "url", binding.where());
        URI url = url(urlNode);
        Map<String, String> headers = new LinkedHashMap<>();
        Optional<Node> headersNode = with.get("headers");
        if (headersNode.isPresent()) {
            for (Node.Entry e : Nodes.mappingOrEmpty(headersNode.get(), "headers").entries()) {
                headers.put(headerName(e), headerValue(e));
            }
        }
        Optional<Body> body = with.get("body").map(NotifyStep::body);
        Duration timeout = DEFAULT_TIMEOUT;
        Optional<Node> timeoutNode = with.get("timeout");
        if (timeoutNode.isPresent()) {
            timeout = Nodes.duration(timeoutNode.get(), "timeout");
            if (timeout.isZero()) {
                throw new PipelineException(timeoutNode.get().location(), "timeout must be longer than 0, such as 10s");
            }
        }
        return new Config(url, headers, body, timeout);
    }

    /** Never quotes the value: it usually comes from ${env.X} and holds the webhook's token. */
    private static URI url(Node node) {
        String text = Nodes.text(node, "url").strip();
        String hidden = " (its value is not shown: a webhook URL holds its token)";
        if (!text.startsWith("http://") && !text.startsWith("https://")) {
            throw new PipelineException(node.location(), "url must start with http:// or https://" + hidden);
        }
        try {
            URI uri = new URI(text);
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new PipelineException(node.location(), "url must name a host after " + uri.getScheme() + "://" + hidden);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new PipelineException(node.location(), "url is not a valid URL: " + e.getReason()
                    + " at character " + (e.getIndex() + 1) + hidden + "; percent-encode spaces and other special characters");
        }
    }

    private static String headerName(Node.Entry e) {
        if (!HEADER_NAME.matcher(e.key()).matches()) {
            throw new PipelineException(e.keyLocation(), "'" + e.key() + "' is not a header name: use letters, digits and - "
                    + "(such as Authorization or X-Api-Key)");
        }
        if (RESTRICTED.contains(e.key().toLowerCase())) {
            throw new PipelineException(e.keyLocation(), "header " + e.key() + " is set by duckdag's HTTP client and cannot be "
                    + "given; remove it");
        }
        return e.key();
    }

    private static String headerValue(Node.Entry e) {
        if (!(e.value() instanceof Node.Scalar s) || s.isNull()) {
            throw new PipelineException(e.value().location(), "header " + e.key() + " must be a single value, but is "
                    + (e.value() instanceof Node.Scalar ? "nothing (null)" : e.value().describe()));
        }
        if (s.text().chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
            // The value is not quoted: it may hold a token.
            throw new PipelineException(e.value().location(), "header " + e.key() + " holds a line break or another control "
                    + "character; check the variable it comes from");
        }
        return s.text().strip();
    }

    private static Body body(Node node) {
        if (node instanceof Node.Scalar s && !s.isNull()) {
            if (s.text().isBlank()) {
                throw new PipelineException(node.location(), "body must not be empty; leave it out to post the whole summary");
            }
            checkPlaceholders(s.text(), node);
            String sample = fill(s.text(), name -> "x", true);
            try {
                JSON.readTree(sample);
            } catch (JsonProcessingException e) {
                throw new PipelineException(node.location(), "body is not valid JSON once its placeholders are filled: "
                        + e.getOriginalMessage().lines().findFirst().orElse("") + " (line " + e.getLocation().getLineNr()
                        + ", column " + e.getLocation().getColumnNr() + " of the body); a placeholder goes inside a JSON "
                        + "string (\"{status}\"), or write the body as YAML (body: { text: \"{text}\" })");
            }
            return new JsonText(s.text());
        }
        if (node instanceof Node.Mapping || node instanceof Node.Sequence) {
            return new Tree(tree(node));
        }
        throw new PipelineException(node.location(), "body must be JSON text or a mapping, but is " + node.describe());
    }

    private static JsonNode tree(Node node) {
        JsonNodeFactory f = JSON.getNodeFactory();
        if (node instanceof Node.Mapping m) {
            ObjectNode o = f.objectNode();
            m.entries().forEach(e -> o.set(e.key(), tree(e.value())));
            return o;
        }
        if (node instanceof Node.Sequence seq) {
            ArrayNode a = f.arrayNode();
            seq.items().forEach(i -> a.add(tree(i)));
            return a;
        }
        Node.Scalar s = (Node.Scalar) node;
        return switch (s.kind()) {
            case NULL -> f.nullNode();
            case INTEGER, FLOAT -> number(s.text()).map(n -> (JsonNode) f.numberNode(n)).orElseGet(() -> f.textNode(s.text()));
            case BOOLEAN -> f.booleanNode(Boolean.parseBoolean(s.text().toLowerCase()));
            case STRING -> {
                checkPlaceholders(s.text(), node);
                yield f.textNode(s.text());
            }
        };
    }

    /** A YAML number as JSON has it; YAML 1.1's 0x1F, 1_000 or .inf are not JSON numbers and stay text. */
    private static Optional<java.math.BigDecimal> number(String text) {
        try {
            return Optional.of(new java.math.BigDecimal(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void checkPlaceholders(String template, Node at) {
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            String name = m.group(1);
            if (!PLACEHOLDERS.contains(name)) {
                String hint = Suggestions.hint(name, PLACEHOLDERS);
                throw new PipelineException(at.location(), "unknown placeholder {" + name + "} in body" + hint
                        + " (known placeholders: " + PLACEHOLDERS.stream().map(p -> "{" + p + "}").collect(Collectors.joining(", "))
                        + ")");
            }
        }
    }

    /** The template with each placeholder replaced by its value, escaped for a JSON string when {@code escape}. */
    private static String fill(String template, Function<String, String> values, boolean escape) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.apply(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(escape ? new String(JsonStringEncoder.getInstance().quoteAsString(value)) : value));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public StepDescription describe(Config config, PlanContext context) {
        String headers = config.headers().isEmpty() ? "" : " with header" + (config.headers().size() > 1 ? "s " : " ")
                + String.join(", ", config.headers().keySet());
        String what = config.body().isPresent() ? "the body template, filled from the run summary," : "the run summary (JSON)";
        return new StepDescription("POST " + what + " to " + config.address() + headers, List.of(context.runDir()), List.of());
    }

    @Override
    public StepResult execute(Config config, StepContext ctx) throws Exception {
        RunRecord run = ctx.runSoFar().get();
        Summary summary = Summary.of(run, ctx.step().id(), ctx::logOf);
        ctx.log().println("summary: " + JSON.writeValueAsString(summary.json()));
        String body = config.body().map(b -> render(b, summary)).orElseGet(() -> text(summary.json()));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> answer = post(config, bytes, ctx);
        String said = clean(scrub(answer.body(), config), ANSWER_LOGGED);
        int code = answer.statusCode();
        ctx.log().println("answered HTTP " + code + (said.isEmpty() ? "" : ": " + said));
        if (code >= 200 && code < 300) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("http_status", code);
            m.put("bytes_sent", bytes.length);
            m.put("run_status", summary.status());
            m.put("failed_steps", summary.failed().size());
            return StepResult.of(m);
        }
        String answered = "the webhook " + config.address() + " answered HTTP " + code + (said.isEmpty() ? "" : " (" + clean(said, 120) + ")");
        if (code >= 500 || code == 429 || code == 408) {
            throw new StepFailedException(answered + "; " + retrying(ctx) + "resume the run to notify again");
        }
        String fix = code >= 300 && code < 400 ? "put the address it redirects to in 'url'"
                : code == 401 || code == 403 ? "check the token in 'url' or 'headers'"
                : "check 'url', 'headers' and 'body' against the service's webhook documentation";
        throw new StepFailedException(answered + ": not retried; " + fix + ", then resume the run", List.of(), false);
    }

    private static HttpResponse<String> post(Config config, byte[] body, StepContext ctx) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url()).timeout(config.timeout())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        boolean typed = config.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("Content-Type"));
        if (!typed) {
            request.header("Content-Type", "application/json; charset=utf-8");
        }
        config.headers().forEach(request::header);
        List<String> names = new ArrayList<>(config.headers().keySet());
        if (!typed) {
            names.add(0, "Content-Type");
        }
        ctx.log().println("POST " + config.address() + " (" + body.length + " bytes; headers: " + String.join(", ", names) + ")");
        ctx.cancellation().throwIfCancelled();
        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
        try (AutoCloseable stop = ctx.cancellation().onCancel(() -> sent.cancel(true))) {
            return sent.get();
        } catch (CancellationException e) {
            ctx.cancellation().throwIfCancelled();
            throw new StepFailedException("the request to " + config.address() + " was cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof HttpTimeoutException ? "no answer within " + human(config.timeout())
                    : cause.getClass().getSimpleName() + ": " + reason(cause).map(r -> clean(scrub(r, config), 200))
                            .orElse(cause instanceof java.net.ConnectException ? "nothing accepted the connection" : "no reason given");
            if (cause instanceof IOException) {
                throw new StepFailedException("could not reach the webhook " + config.address() + ": " + why + "; "
                        + retrying(ctx) + "check the address and the network, then resume the run");
            }
            throw new StepFailedException("could not POST to the webhook " + config.address() + ": " + why
                    + "; check 'url' and 'headers', then resume the run", List.of(), false);
        }
    }

    /** The first message along the causes: the JDK's client wraps "Connection refused" in a ConnectException without one. */
    private static Optional<String> reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return Optional.of(t.getMessage());
            }
        }
        return Optional.empty();
    }

    /** What happens next to a failure worth trying again, by the step's {@code retries}. */
    private static String retrying(StepContext ctx) {
        int attempts = ctx.step().retries() + 1;
        if (ctx.attempt() < attempts) {
            return "attempt " + ctx.attempt() + " of " + attempts + ", tried again after retry_delay; if it keeps failing, ";
        }
        return attempts == 1 ? "'retries:' on the step would try again; " : "all " + attempts + " attempts failed; ";
    }

    private static String render(Body body, Summary summary) {
        Map<String, String> values = summary.placeholders();
        if (body instanceof JsonText t) {
            return fill(t.template(), values::get, true);
        }
        return text(filled(((Tree) body).shape(), values));
    }

    private static JsonNode filled(JsonNode node, Map<String, String> values) {
        if (node.isTextual()) {
            return JsonNodeFactory.instance.textNode(fill(node.asText(), values::get, false));
        }
        if (node.isObject()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> o.set(e.getKey(), filled(e.getValue(), values)));
            return o;
        }
        if (node.isArray()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            node.forEach(i -> a.add(filled(i, values)));
            return a;
        }
        return node;
    }

    private static String text(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always writes", e);
        }
    }

    /** {@code text} with every secret of the configuration replaced by ***. */
    static String scrub(String text, Config config) {
        String out = text == null ? "" : text;
        for (String secret : config.secrets()) {
            out = out.replace(secret, "***");
        }
        return out;
    }

    /** One line: control characters and terminal escapes become spaces, cut at {@code max} characters. */
    static String clean(String text, int max) {
        String one = text.replaceAll("\\e\\[[0-9;?]*[A-Za-z]", "").replaceAll("\\p{Cntrl}", " ").strip().replaceAll(" {2,}", " ");
        return one.length() <= max ? one : one.substring(0, max) + "…";
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 != 0 ? d.toMillis() + "ms" : d.toSeconds() + "s";
    }

    /**
     * The run as this step sees it: every other step's status, the failed ones with their first
     * error line, and per table the numbers of its compact, verify and swap steps.
     */
    record Summary(RunRecord run, List<StepRecord> steps, List<StepRecord> failed, Map<String, Map<String, Map<String, Long>>> tables,
                   Function<String, Path> logOf) {

        /** @param logOf where the log of a step of this run is */
        static Summary of(RunRecord run, String self, Function<String, Path> logOf) {
            List<StepRecord> steps = run.steps().values().stream().filter(s -> !s.id().equals(self)).toList();
            List<StepRecord> failed = steps.stream().filter(s -> s.status() == StepStatus.FAILED).toList();
            Map<String, Map<String, Map<String, Long>>> tables = new TreeMap<>();
            for (StepRecord s : steps) {
                if (s.status() == StepStatus.SUCCEEDED && s.config().get("table") instanceof Map<?, ?> t
                        && t.get("name") instanceof String name && s.config().get("type") instanceof String type
                        && TABLE_STEPS.contains(type)) {
                    Map<String, Long> numbers = tables.computeIfAbsent(name, k -> new TreeMap<>(
                            (a, b) -> TABLE_STEPS.indexOf(a) - TABLE_STEPS.indexOf(b))).computeIfAbsent(type, k -> new LinkedHashMap<>());
                    s.metrics().forEach((k, v) -> {
                        if (v instanceof Number n) {
                            numbers.merge(k, n.longValue(), Long::sum);
                        }
                    });
                }
            }
            return new Summary(run, steps, failed, tables, logOf);
        }

        String status() {
            boolean failedSoFar = steps.stream().anyMatch(s -> s.status() == StepStatus.FAILED || s.status() == StepStatus.UPSTREAM_FAILED);
            return failedSoFar ? "failed" : "succeeded";
        }

        Map<String, Integer> counts() {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (StepStatus st : StepStatus.values()) {
                int n = (int) steps.stream().filter(s -> s.status() == st).count();
                if (n > 0) {
                    counts.put(st.word(), n);
                }
            }
            return counts;
        }

        static String firstLine(String error) {
            return clean(error == null ? "no error was recorded" : error.strip().lines().findFirst().orElse(""), ERROR_LINE);
        }

        JsonNode json() {
            ObjectNode o = JSON.createObjectNode();
            o.put("pipeline", run.pipeline());
            o.put("run_id", run.runId());
            o.put("run_date", run.runDate());
            o.put("status", status());
            ObjectNode counts = o.putObject("counts");
            counts().forEach(counts::put);
            ArrayNode failedSteps = o.putArray("failed_steps");
            for (StepRecord s : failed) {
                ObjectNode f = failedSteps.addObject();
                f.put("id", s.id());
                f.put("error", firstLine(s.error()));
                f.put("attempts", s.attempts());
                ArrayNode output = f.putArray("output");
                s.outputTail().forEach(output::add);
                f.put("log", logOf.apply(s.id()).toString());
            }
            ArrayNode all = o.putArray("steps");
            steps.forEach(s -> all.addObject().put("id", s.id()).put("status", s.status().word()));
            ObjectNode byTable = o.putObject("tables");
            tables.forEach((table, kinds) -> {
                ObjectNode t = byTable.putObject(table);
                kinds.forEach((kind, numbers) -> {
                    ObjectNode k = t.putObject(kind);
                    numbers.forEach(k::put);
                });
            });
            return o;
        }

        /** The placeholders' values, as plain text (a body escapes them). */
        Map<String, String> placeholders() {
            Map<String, String> v = new LinkedHashMap<>();
            v.put("pipeline", run.pipeline());
            v.put("run_id", run.runId());
            v.put("run_date", run.runDate() == null ? "" : run.runDate());
            v.put("status", status());
            v.put("counts", counts().entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")));
            v.put("failed_steps", failed.isEmpty() ? "none" : failed.stream().map(StepRecord::id).collect(Collectors.joining(", ")));
            v.put("errors", failed.isEmpty() ? "none"
                    : failed.stream().map(s -> s.id() + ": " + firstLine(s.error())).collect(Collectors.joining("\n")));
            v.put("tables", tables.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().entrySet().stream()
                    .map(k -> k.getKey() + " " + k.getValue().entrySet().stream().map(n -> n.getKey() + "=" + n.getValue())
                            .collect(Collectors.joining(" "))).collect(Collectors.joining("; "))).collect(Collectors.joining("\n")));
            StringBuilder text = new StringBuilder("duckdag " + run.pipeline() + " run " + run.runId() + ": " + status()
                    + " (" + v.get("counts") + ")");
            if (!failed.isEmpty()) {
                text.append("\nfailed:\n").append(v.get("errors"));
            }
            if (!tables.isEmpty()) {
                text.append("\ntables:\n").append(v.get("tables"));
            }
            v.put("text", text.toString());
            return v;
        }
    }
}
