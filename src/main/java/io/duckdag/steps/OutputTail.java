package io.duckdag.steps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The last few lines a command wrote, to show under its failure: read from the step log from
 * where this attempt's output began, made safe for a terminal (escape sequences and control
 * characters removed, a progress bar's carriage returns reduced to what was last drawn) and cut
 * to a readable length.
 */
public final class OutputTail {
    public static final int LINES = 5;
    static final int MAX_LINE = 200;
    /** Only the end of a long output is read: the last lines are in it. */
    private static final int MAX_BYTES = 64 * 1024;
    // CSI (colours, cursor moves), OSC (titles, links; ended by BEL or ST), and two-character escapes.
    private static final Pattern ESCAPES = Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(\u0007|\u001B\\\\)?|\u001B[@-_]?");
    private static final Pattern CONTROLS = Pattern.compile("[\\p{Cc}&&[^\t]]|[\u200E\u200F\u202A-\u202E\u2066-\u2069]");

    private OutputTail() {
    }

    /** The last {@link #LINES} non-empty lines of {@code log} from byte {@code from} on; empty if it cannot be read. */
    public static List<String> of(Path log, long from) {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            long start = Math.max(from, ch.size() - MAX_BYTES);
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(0, ch.size() - start));
            while (buffer.hasRemaining() && ch.read(buffer, start + buffer.position()) > 0) {
                // read until the end as it was when opened
            }
            return lastLines(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return List.of();
        }
    }

    static List<String> lastLines(String text) {
        Deque<String> last = new ArrayDeque<>();
        for (String line : text.split("\n")) {
            String clean = clean(line);
            if (!clean.isBlank()) {
                last.addLast(clean);
                if (last.size() > LINES) {
                    last.removeFirst();
                }
            }
        }
        return List.copyOf(last);
    }

    static String clean(String line) {
        String s = ESCAPES.matcher(line).replaceAll("");
        int cr = s.stripTrailing().lastIndexOf('\r');
        if (cr >= 0) {
            s = s.substring(cr + 1); // what a progress bar drew last
        }
        s = CONTROLS.matcher(s.replace('\t', ' ')).replaceAll("").stripTrailing();
        return s.length() > MAX_LINE ? s.substring(0, MAX_LINE - 3) + "..." : s;
    }
}
