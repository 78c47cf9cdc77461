package io.duckdag.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged duckdag jar, started as a child process in a working folder. */
final class Duckdag {
    static final Path JAR = Path.of(System.getProperty("duckdag.jar", "target/duckdag.jar")).toAbsolutePath();

    record Result(int code, String out, String err) {
    }

    /** A started duckdag whose output goes to files in {@code cwd}. */
    record Running(Process process, Path out, Path err) {
        Result await(long seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("duckdag did not finish in " + seconds + " s: " + Files.readString(out));
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        }

        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        void signal(String name) throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        /** The signal to the whole process group, as a terminal's Ctrl-C sends it (start it with {@link #startAsGroup}). */
        void signalGroup(String name) throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-" + name, "--", "-" + process.pid()).inheritIO().start().waitFor();
        }
    }

    private static int counter;

    static Running start(Path cwd, Map<String, String> env, String... args) throws IOException {
        return start(JAR, List.of(), cwd, env, args);
    }

    /** {@code jar} (the packaged one, or a copy of it) with extra JVM options before -jar. */
    static synchronized Running start(Path jar, List<String> jvmOptions, Path cwd, Map<String, String> env, String... args)
            throws IOException {
        if (!Files.exists(JAR)) {
            throw new AssertionError(JAR + " is missing: these tests run after 'mvn package' (mvn -B verify)");
        }
        List<String> command = new ArrayList<>();
        if (groupLeader) {
            command.add("setsid"); // execs java, which keeps setsid's pid: the group's id
        }
        if (asNobody) {
            command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")); // execs java as nobody
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        int n = counter++;
        Path out = cwd.resolve("duckdag-" + n + ".out");
        Path err = cwd.resolve("duckdag-" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("DUCKDAG_FAILPOINT");
        pb.environment().putAll(env);
        return new Running(pb.start(), out, err);
    }

    /** Like {@link #start}, as the leader of a process group of its own (setsid), as a shell starts a foreground job. */
    static synchronized Running startAsGroup(Path cwd, Map<String, String> env, String... args) throws IOException {
        groupLeader = true;
        try {
            return start(JAR, List.of(), cwd, env, args);
        } finally {
            groupLeader = false;
        }
    }

    private static boolean groupLeader;
    private static boolean asNobody;

    /** Like {@link #start}, as the user nobody (uid 65534), whom file permissions stop, as they do not stop root. */
    static synchronized Result runAsNobody(Path cwd, String... args) throws Exception {
        asNobody = true;
        Running running;
        try {
            running = start(JAR, List.of(), cwd, Map.of(), args);
        } finally {
            asNobody = false;
        }
        return running.await(120);
    }

    static Result run(Path cwd, Map<String, String> env, String... args) throws Exception {
        return start(cwd, env, args).await(120);
    }

    static Result run(Path cwd, String... args) throws Exception {
        return run(cwd, Map.of(), args);
    }

    private Duckdag() {
    }
}
