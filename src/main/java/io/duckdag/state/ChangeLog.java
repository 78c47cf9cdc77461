package io.duckdag.state;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The changes to a run's steps since its last snapshot ({@code run.json}), one line per change:
 * the CRC-32C of the step record's JSON in 8 hex digits, a space, the whole step record as JSON
 * on one line, a newline. A change costs one append of a few hundred bytes and one fdatasync,
 * whatever the number of steps, where rewriting the whole record cost time in proportion to it.
 *
 * <p>Reading keeps the longest prefix of whole, intact lines: a line cut short (no newline), one
 * whose checksum does not match (a torn or partly zeroed block after a power cut) and every line
 * after it are not trusted, so a step falls back to what it was before that change, which was
 * durable. Each line holds the whole step record, so replaying it twice changes nothing.
 *
 * <p>The log is only ever appended to by the process that created it: each snapshot names a fresh
 * log ({@link RunStore#save}), so a torn tail left by a killed process is never appended after.
 */
final class ChangeLog {
    private static final Pattern NAME = Pattern.compile("changes-(\\d{1,9})\\.log");
    private static final ObjectWriter LINE = StateJson.MAPPER.writerFor(StepRecord.class).without(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectReader READ = StateJson.MAPPER.readerFor(StepRecord.class);
    private static final HexFormat HEX = HexFormat.of();

    private final Path file;
    private boolean created;

    ChangeLog(Path file) {
        this.file = file;
    }

    static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    static String name(int generation) {
        return "changes-" + generation + ".log";
    }

    /** The generation in a log's file name, or -1 if it is not a log's name. */
    static int generation(String name) {
        var m = NAME.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Appends one change. With {@code force} it is on disk when this returns (fdatasync; the file's
     * name is forced into its folder the first time); without, it is in the kernel's page cache,
     * which a kill -9 of this process does not lose, but a power cut may.
     */
    void append(StepRecord step, boolean force) {
        byte[] line = line(step);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            if (force) {
                ch.force(false);
                if (!created) {
                    DurableFiles.forceDirectory(file.toAbsolutePath().getParent());
                    created = true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run record's change log " + file + ": " + e.getMessage(), e);
        }
    }

    static byte[] line(StepRecord step) {
        try {
            byte[] json = LINE.writeValueAsBytes(step);
            ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 10);
            out.write(HEX.toHexDigits((int) crc(json, 0, json.length)).getBytes(StandardCharsets.US_ASCII));
            out.write(' ');
            out.write(json);
            out.write('\n');
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The trusted changes in {@code file}, oldest first; none if there is no such file. */
    static List<StepRecord> read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<StepRecord> changes = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = indexOf(bytes, (byte) '\n', start);
            if (end < 0) {
                break; // cut short: the write of this line did not finish
            }
            StepRecord step = parse(bytes, start, end);
            if (step == null) {
                break; // torn or damaged: neither this line nor any after it is trusted
            }
            changes.add(step);
            start = end + 1;
        }
        return changes;
    }

    private static StepRecord parse(byte[] bytes, int start, int end) {
        int json = start + 9;
        if (end < json + 2 || bytes[start + 8] != ' ') {
            return null;
        }
        long expected;
        try {
            expected = HEX.fromHexDigits(new String(bytes, start, 8, StandardCharsets.US_ASCII)) & 0xffffffffL;
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (crc(bytes, json, end - json) != expected) {
            return null;
        }
        try {
            StepRecord step = READ.readValue(bytes, json, end - json);
            return step != null && step.id() != null && step.status() != null ? step : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
