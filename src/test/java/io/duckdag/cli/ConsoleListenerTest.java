package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console's progress, colour and quiet modes, on a clock the test moves. */
class ConsoleListenerTest {
    /** A clock that stands still until the test moves it. */
    static final class Hand extends Clock {
        Instant now = Instant.parse("2024-06-30T01:00:00Z");

        void advance(long millis) {
            now = now.plusMillis(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final Hand clock = new Hand();
    final StringWriter text = new StringWriter();

    ConsoleListener listener(boolean terminal, boolean colour, boolean quiet) {
        return new ConsoleListener(new PrintWriter(text), clock, "p.yaml", new ConsoleListener.Style(terminal, colour, quiet));
    }

    static StepRecord ended(String id, StepStatus status, String error) {
        return StepRecord.pending(id, "fp", Map.of()).ended(status, "2024-06-30T01:00:12Z", "r", Map.of(), error);
    }

    @Test
    void off_a_terminal_progress_is_a_plain_line_every_five_seconds_after_the_first_second() {
        ConsoleListener c = listener(false, false, false);
        c.stepStarted("compact[t]", 1, 1);
        clock.advance(500);
        c.stepProgress("compact[t]", "partition 1 of 10");
        clock.advance(3000);
        c.stepProgress("compact[t]", "partition 2 of 10");
        assertThat(text.toString()).doesNotContain("running");
        clock.advance(1500);
        c.stepProgress("compact[t]", "partition 3 of 10 (year=2024, 800 files): sorting and writing, 40%");
        clock.advance(1000);
        c.stepProgress("compact[t]", "partition 4 of 10");
        clock.advance(4000);
        c.stepProgress("compact[t]", "partition 5 of 10");

        assertThat(text.toString()).isEqualTo("""
                01:00:00 start    compact[t]
                01:00:05 running  compact[t] partition 3 of 10 (year=2024, 800 files): sorting and writing, 40% (5.0s)
                01:00:10 running  compact[t] partition 5 of 10 (10.0s)
                """).doesNotContain("\r");
    }

    @Test
    void on_a_terminal_progress_is_one_live_line_cleared_before_the_next_line_and_words_are_coloured() {
        ConsoleListener c = listener(true, true, false);
        c.stepStarted("compact[t]", 1, 1);
        clock.advance(1200);
        c.stepProgress("compact[t]", "partition 1 of 2");
        clock.advance(800);
        c.stepEnded(ended("compact[t]", StepStatus.SUCCEEDED, null), "log");
        c.stepEnded(ended("verify[t]", StepStatus.FAILED, "rows differ"), "log");

        assertThat(text.toString()).contains("\r\033[Kcompact[t] partition 1 of 2 (1.2s)", "\r\033[K01:00:02 \033[32mok\033[0m       compact[t]",
                "\033[1;31mFAILED\033[0m   verify[t]");
    }

    @Test
    void quiet_prints_failures_only_and_no_progress() {
        ConsoleListener c = listener(false, false, true);
        c.stepStarted("a", 1, 1);
        clock.advance(6000);
        c.stepProgress("a", "busy");
        c.stepEnded(ended("a", StepStatus.SUCCEEDED, null), "log");
        c.stepEnded(ended("b", StepStatus.FAILED, "boom"), "b.log");

        assertThat(text.toString()).isEqualTo("01:00:06 FAILED   b: boom [log: b.log]\n");
    }
}
