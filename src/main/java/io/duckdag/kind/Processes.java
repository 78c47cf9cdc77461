package io.duckdag.kind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Stopping process trees. */
public final class Processes {
    /** How long a stopped tree has between TERM and KILL. */
    public static final long GRACE_MILLIS = 3000;

    private Processes() {
    }

    /**
     * Alive and not a zombie. Where PID 1 does not reap orphans (some containers), a killed
     * grandchild stays a zombie for ever, and {@link ProcessHandle#isAlive} still says true.
     */
    public static boolean isRunning(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (Files.exists(Path.of("/proc/self/stat"))) {
            try {
                String s = Files.readString(stat);
                int close = s.lastIndexOf(')');
                return close > 0 && close + 2 < s.length() && s.charAt(close + 2) != 'Z' && s.charAt(close + 2) != 'X';
            } catch (IOException e) {
                return false;
            }
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** TERM to the process and all its descendants, then KILL to whatever is left after the grace period. */
    public static void stopTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(0, root);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.currentTimeMillis() + GRACE_MILLIS;
        while (System.currentTimeMillis() < deadline && all.stream().anyMatch(h -> isRunning(h.pid()))) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        all.stream().filter(h -> isRunning(h.pid())).forEach(ProcessHandle::destroyForcibly);
    }
}
