package io.duckdag.steps;

import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.StepResult;
import io.duckdag.state.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code source: http}: one URL to one file. The body goes to a hidden temporary file beside
 * the target, is forced to disk, checked against {@code sha256} if given, and renamed over the
 * target, so no reader ever sees half a file. Connection errors and 5xx answers are retried
 * with backoff; a file that already has the expected checksum is not fetched again.
 */
final class HttpDownloadStep {
    static final int ATTEMPTS = 3;
    static final Duration FIRST_DELAY = Duration.ofMillis(500);

    private HttpDownloadStep() {
    }

    static StepResult execute(DownloadStep.Http config, StepContext ctx) throws Exception {
        Path target = config.to().toAbsolutePath();
        if (config.sha256().isPresent() && Files.isRegularFile(target) && config.sha256().get().equals(sha256(target))) {
            ctx.log().println(target + " already has sha256 " + config.sha256().get() + "; not fetched again");
            return StepResult.of(Map.of("bytes", Files.size(target), "fetched", false));
        }
        DurableFiles.createDirectories(target.getParent());
        Path tmp = target.getParent().resolve("." + target.getFileName() + ".part");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        Duration delay = FIRST_DELAY;
        for (int attempt = 1; ; attempt++) {
            ctx.cancellation().throwIfCancelled();
            String problem;
            try {
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(config.url())).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() == 200) {
                    String digest = save(response.body(), tmp);
                    if (config.sha256().isPresent() && !config.sha256().get().equals(digest)) {
                        Files.deleteIfExists(tmp);
                        throw new StepFailedException(config.url() + " sent a file with sha256 " + digest + ", not the expected "
                                + config.sha256().get() + "; " + target + " was left as it was");
                    }
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    DurableFiles.forceDirectory(target.getParent());
                    ctx.log().println("fetched " + config.url() + " to " + target + " (sha256 " + digest + ")");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("bytes", Files.size(target));
                    m.put("sha256", digest);
                    return StepResult.of(m);
                }
                response.body().close();
                problem = "HTTP " + response.statusCode();
                if (response.statusCode() < 500 && response.statusCode() != 429) {
                    throw new StepFailedException(config.url() + " answered " + problem + "; check the url");
                }
            } catch (IOException e) {
                problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            Files.deleteIfExists(tmp);
            if (attempt == ATTEMPTS) {
                throw new StepFailedException("could not fetch " + config.url() + " after " + ATTEMPTS + " tries: " + problem
                        + "; check the URL and the network, then resume the run");
            }
            ctx.log().println("try " + attempt + " of " + config.url() + " failed (" + problem + "); again in " + delay.toMillis() + " ms");
            ctx.cancellation().sleep(delay);
            delay = delay.multipliedBy(2);
        }
    }

    private static String save(InputStream body, Path tmp) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = body;
             OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), digest)) {
            in.transferTo(out);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ)) {
            ch.force(true);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
