package io.duckdag.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.Failpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    @Test
    void an_entry_interrupted_after_its_first_rename_is_finished_by_recovery_with_its_writes() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "A");
        Path b = Files.writeString(dir.resolve("b"), "B");
        Journal.Entry entry = new Journal.Entry("test", List.of(new Journal.Move(a.toString(), dir.resolve("x/a").toString()),
                new Journal.Move(b.toString(), dir.resolve("x/b").toString())),
                List.of(new Journal.Write(dir.resolve("done.json").toString(), "{}")));

        Journal failing = new Journal(dir.resolve("state"), Failpoints.fromEnvironment(Map.of("DUCKDAG_FAILPOINT", "t:moved-1@fail")));
        assertThatThrownBy(() -> failing.apply(entry, "t")).hasMessage("failpoint t:moved-1");
        assertThat(dir.resolve("x/a")).exists();
        assertThat(b).exists();
        assertThat(new Journal(dir.resolve("state"), Failpoints.NONE).pendingDescriptions()).containsExactly("test");

        List<String> recovered = new Journal(dir.resolve("state"), Failpoints.NONE).recover();

        assertThat(recovered).containsExactly("test");
        assertThat(dir.resolve("x/b")).hasContent("B");
        assertThat(dir.resolve("done.json")).hasContent("{}");
        assertThat(new Journal(dir.resolve("state"), Failpoints.NONE).pendingDescriptions()).isEmpty();
        assertThat(new Journal(dir.resolve("state"), Failpoints.NONE).recover()).isEmpty();
    }

    @Test
    void a_source_replaced_under_the_same_name_is_new_data_and_stays() throws Exception {
        Path live = Files.writeString(dir.resolve("a.parquet"), "old");
        Files.setLastModifiedTime(live, FileTime.from(Instant.ofEpochSecond(1000)));
        long size = Files.size(live);
        long mtime = Files.getLastModifiedTime(live).to(TimeUnit.NANOSECONDS);
        Files.writeString(live, "new, longer");

        new Journal(dir.resolve("state"), Failpoints.NONE).apply(new Journal.Entry("swap",
                List.of(new Journal.Move(live.toString(), dir.resolve("backup/a.parquet").toString(), size, mtime)), List.of()), "t");

        assertThat(live).hasContent("new, longer");
        assertThat(dir.resolve("backup/a.parquet")).doesNotExist();
    }

    @Test
    void a_move_whose_target_exists_is_done_and_its_source_if_back_is_left_alone() throws Exception {
        Files.createDirectories(dir.resolve("backup"));
        Files.writeString(dir.resolve("backup/a"), "moved before");
        Path again = Files.writeString(dir.resolve("a"), "arrived since");

        new Journal(dir.resolve("state"), Failpoints.NONE).apply(new Journal.Entry("swap",
                List.of(new Journal.Move(again.toString(), dir.resolve("backup/a").toString())), List.of()), "t");

        assertThat(again).hasContent("arrived since");
        assertThat(dir.resolve("backup/a")).hasContent("moved before");
    }
}
