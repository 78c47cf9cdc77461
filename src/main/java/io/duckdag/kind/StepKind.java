package io.duckdag.kind;

import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.StepType;
import io.duckdag.state.StepRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything about one step type, in one class: its YAML name and {@code with:} binding (from
 * {@link StepType}), what {@code plan} says it would do, what its fingerprint covers beyond the
 * resolved {@code with:}, what it would change in the lake and whether its recorded success still
 * holds, its role towards the lake, and its execution. {@link StepKinds} lists the kinds; nothing
 * else switches on the type.
 *
 * @param <C> its typed configuration, bound once when the pipeline is loaded
 */
public interface StepKind<C extends StepConfig> extends StepType {

    /** What a step does to the lake folder, for the checks that depend on it. */
    enum Role {
        /** Touches no lake folder. */
        NONE,
        /** May put files into the lake (download, shell, sql): lake steps after it see more than the plan does. */
        FEEDS_LAKE,
        /** Reads the lake, or writes beside it (verify, sync-metadata, check). */
        READS_LAKE,
        /** Changes the lake, staging or backups (compact, swap): every such folder must be writable before a run starts. */
        CHANGES_LAKE;

        public boolean lakeStep() {
            return this == READS_LAKE || this == CHANGES_LAKE;
        }
    }

    Class<C> configType();

    @Override
    C bind(Node.Mapping with, Binding binding);

    /**
     * A sentence and the paths it reads and writes, from the configuration and the lake layout
     * alone. A value of the user's that it shortens goes through {@link PlanContext#redact} first.
     */
    StepDescription describe(C config, PlanContext context);

    /**
     * What the step's fingerprint covers beyond its type and resolved {@code with:} (a table's
     * layout, the folders it uses): a changed value re-runs a step that succeeded. Keys once
     * written must stay, or recorded runs resume everything.
     */
    default void fingerprint(C config, Pipeline pipeline, Map<String, Object> into) {
    }

    default Role role() {
        return Role.NONE;
    }

    /**
     * The tables whose live files the step may move (compaction's quarantine, swap): a run holds
     * a lock on each in the lake, so that a run of another pipeline cannot change them meanwhile.
     */
    default List<String> tablesChanged(C config) {
        return List.of();
    }

    /** The tables whose sort_by and key columns the step needs in the files (plan checks them). */
    default List<String> needsColumnsOf(C config) {
        return List.of();
    }

    /** What it would change: partitions, files, bytes, rows, views, in lines and as numbers. */
    default Impact impact(C config, PlanContext context) {
        return Impact.NONE;
    }

    /** A hash of what it would read, for plan ids; empty when the configuration says it all. */
    default Optional<String> inputFingerprint(C config, PlanContext context) {
        return Optional.empty();
    }

    /** Why a recorded success no longer holds on disk ("staged file x is missing"), if it does not. */
    default Optional<String> staleCheckpoint(C config, StepRecord record, PlanContext context) {
        return Optional.empty();
    }

    /**
     * One attempt. Must be safe to run again after a crash. Fails with a
     * {@link io.duckdag.StepFailure}; anything else it throws is reported as a bug.
     */
    StepResult execute(C config, StepContext context) throws Exception;
}
