package io.duckdag.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YamlReaderTest {
    @TempDir
    Path dir;

    @Test
    void keeps_scalars_as_written_with_their_one_based_place() {
        Node.Mapping root = new YamlReader().parse("a: NO\nb: 0755\nc: \"2024-06-30\"\nd:\n  - x\n", "f.yaml");

        Node.Scalar a = (Node.Scalar) root.get("a").orElseThrow();
        assertThat(a.text()).isEqualTo("NO");
        assertThat(((Node.Scalar) root.get("b").orElseThrow()).text()).isEqualTo("0755");
        assertThat(((Node.Scalar) root.get("c").orElseThrow()).text()).isEqualTo("2024-06-30");
        assertThat(a.location()).isEqualTo(new Location("f.yaml", 1, 4));
        Node.Sequence d = (Node.Sequence) root.get("d").orElseThrow();
        assertThat(d.items().get(0).location()).isEqualTo(new Location("f.yaml", 5, 5));
        assertThat(root.entry("d").orElseThrow().keyLocation()).isEqualTo(new Location("f.yaml", 4, 1));
    }

    @Test
    void refuses_an_oversized_file_before_parsing_it() throws IOException {
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "pipeline: p\n" + "# padding\n".repeat(200_000));

        assertThatThrownBy(() -> new YamlReader().read(big, "big.yaml"))
                .isInstanceOf(PipelineException.class)
                .hasMessage("big.yaml:1:1: the file is 2000012 bytes; a pipeline file may be at most 1048576 bytes (1 MiB). Is this the right file?");
    }

    @Test
    void refuses_a_missing_file_and_a_zero_byte_file_and_non_utf8() throws IOException {
        assertThatThrownBy(() -> new YamlReader().read(dir.resolve("nope.yaml"), "nope.yaml"))
                .hasMessage("nope.yaml:1:1: no such file; check the path (relative paths start from the current directory)");

        Path empty = Files.createFile(dir.resolve("empty.yaml"));
        assertThatThrownBy(() -> new YamlReader().read(empty, "empty.yaml"))
                .hasMessage("empty.yaml:1:1: the file is empty; a pipeline needs at least 'pipeline:' and 'steps:'");

        Path latin1 = Files.write(dir.resolve("latin1.yaml"), new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> new YamlReader().read(latin1, "latin1.yaml"))
                .hasMessage("latin1.yaml:1:1: the file is not UTF-8 text; save it as UTF-8");
    }

    @Test
    void refuses_deep_nesting_quickly_with_its_place() {
        String deep = "a: " + "[".repeat(5000) + "]".repeat(5000) + "\n";

        assertThatThrownBy(() -> new YamlReader().parse(deep, "deep.yaml"))
                .isInstanceOf(PipelineException.class)
                .hasMessageStartingWith("deep.yaml:1:")
                .hasMessageContaining("nested");
    }

    @Test
    void an_anchor_bomb_is_refused_at_its_first_anchor() {
        String bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n";

        assertThatThrownBy(() -> new YamlReader().parse(bomb, "bomb.yaml"))
                .hasMessage("bomb.yaml:1:4: YAML anchors ('&a') are not supported; write the value out in full where it is used");
    }
}
