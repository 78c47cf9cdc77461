package io.duckdag.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordFileTest {
    record Note(String runId, List<String> items) {
        Note {
            items = List.copyOf(items);
        }
    }

    static final RecordFile<Note> NOTES = RecordFile.in("notes", Note.class);

    @TempDir
    Path dir;

    @Test
    void a_saved_record_loads_back_equal_from_folder_slash_name_dot_json_in_snake_case() throws Exception {
        Note note = new Note("r1", List.of("a", "b"));

        NOTES.save(dir, "income", note);

        Path file = dir.resolve("notes").resolve("income.json");
        assertThat(NOTES.file(dir, "income")).isEqualTo(file);
        assertThat(NOTES.load(dir, "income")).contains(note);
        assertThat(file).hasContent("{\n  \"run_id\" : \"r1\",\n  \"items\" : [ \"a\", \"b\" ]\n}");
        assertThat(NOTES.json(note)).isEqualTo(Files.readString(file));
        assertThat(dir.resolve("notes")).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void saving_again_replaces_the_record() {
        NOTES.save(dir, "t", new Note("r1", List.of("a")));
        NOTES.save(dir, "t", new Note("r2", List.of()));

        assertThat(NOTES.load(dir, "t")).contains(new Note("r2", List.of()));
    }

    @Test
    void no_file_and_no_folder_is_no_record() {
        assertThat(NOTES.load(dir, "t")).isEmpty();
        assertThat(NOTES.load(dir.resolve("no-such-run"), "t")).isEmpty();
        assertThat(dir.resolve("notes")).doesNotExist();
    }

    @Test
    void unknown_keys_are_ignored_and_missing_ones_are_null_so_records_of_other_versions_load() throws Exception {
        Files.createDirectories(dir.resolve("notes"));
        Files.writeString(dir.resolve("notes/t.json"), "{\"run_id\": \"r0\", \"items\": [\"x\"], \"added_later\": 3}");
        Files.writeString(dir.resolve("notes/u.json"), "{\"items\": []}");

        assertThat(NOTES.load(dir, "t")).contains(new Note("r0", List.of("x")));
        assertThat(NOTES.load(dir, "u")).contains(new Note(null, List.of()));
    }

    // Pinned as it is today: a file that is there but is not a record is an error naming the file,
    // never taken for "no record" (which would make a step redo or forget work it recorded).
    @Test
    void a_garbage_file_is_an_error_that_names_it() throws Exception {
        Path file = Files.writeString(Files.createDirectories(dir.resolve("notes")).resolve("t.json"), "not json at all");

        assertThatThrownBy(() -> NOTES.load(dir, "t"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot read " + file + ": ");
    }

    @Test
    void a_torn_or_empty_file_is_the_same_error() throws Exception {
        Path notes = Files.createDirectories(dir.resolve("notes"));
        Path torn = Files.writeString(notes.resolve("torn.json"), "{\n  \"run_id\" : \"r1\",\n  \"ite");
        Path empty = Files.writeString(notes.resolve("empty.json"), "");

        assertThatThrownBy(() -> NOTES.load(dir, "torn"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot read " + torn + ": ");
        assertThatThrownBy(() -> NOTES.load(dir, "empty"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot read " + empty + ": ");
    }

    @Test
    void a_temporary_file_left_by_a_write_that_died_is_not_read_and_the_next_save_replaces_it() throws Exception {
        Path notes = Files.createDirectories(dir.resolve("notes"));
        Path leftover = Files.writeString(notes.resolve(".t.json.tmp"), "{\"run_id\" : \"half");

        assertThat(NOTES.load(dir, "t")).isEmpty();
        NOTES.save(dir, "t", new Note("r1", List.of()));

        assertThat(NOTES.load(dir, "t")).contains(new Note("r1", List.of()));
        assertThat(leftover).doesNotExist();
    }

    @Test
    void a_folder_is_one_plain_name() {
        assertThatThrownBy(() -> RecordFile.in("a/b", Note.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a record folder is one plain name, not 'a/b'");
        assertThatThrownBy(() -> RecordFile.in("", Note.class)).isInstanceOf(IllegalArgumentException.class);
    }
}
