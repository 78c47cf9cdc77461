package io.duckdag.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A random pipeline shape for the property tests: steps {@code s0..sN}, each plain or a
 * foreach over one of a few literal lists (two of them the same items in another order, which
 * still links item by item), each depending on some steps created before it (so there is no
 * cycle), written to the file in a shuffled order. It knows what the loader and the planner
 * should make of it, computed here independently: the expanded ids, every expanded step's
 * upstream steps, and the plan's order.
 */
public record RandomDag(List<Spec> specs) {
    static final List<List<String>> LISTS = List.of(List.of("a", "b"), List.of("b", "a"), List.of("a", "b", "c"), List.of("c"));

    /** A step as written: {@code items} is empty for a plain step. */
    public record Spec(String id, List<String> items, List<String> deps) {
        public Spec {
            items = List.copyOf(items);
            deps = List.copyOf(deps);
        }

        public boolean foreach() {
            return !items.isEmpty();
        }

        public List<String> expandedIds() {
            return foreach() ? items.stream().map(i -> id + "[" + i + "]").toList() : List.of(id);
        }
    }

    public RandomDag {
        specs = List.copyOf(specs);
    }

    /** Up to {@code maxSteps} steps; about one in three plain, each earlier step a dependency with probability 2/5. */
    public static RandomDag generate(Random r, int maxSteps) {
        int n = 1 + r.nextInt(maxSteps);
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> items = r.nextInt(3) == 0 ? List.of() : LISTS.get(r.nextInt(LISTS.size()));
            List<String> deps = new ArrayList<>();
            for (int j = 0; j < i; j++) {
                if (r.nextInt(5) < 2) {
                    deps.add("s" + j);
                }
            }
            Collections.shuffle(deps, r);
            specs.add(new Spec("s" + i, items, deps));
        }
        Collections.shuffle(specs, r);
        return new RandomDag(specs);
    }

    public Spec spec(String id) {
        return specs.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    /** The pipeline's steps: block, each a shell step running {@code command.apply(spec)}. */
    public String stepsYaml(Function<Spec, String> command) {
        StringBuilder y = new StringBuilder("steps:\n");
        for (Spec s : specs) {
            y.append("  - id: ").append(s.id()).append("\n    type: shell\n");
            if (s.foreach()) {
                y.append("    foreach: [").append(String.join(", ", s.items())).append("]\n");
            }
            if (!s.deps().isEmpty()) {
                y.append("    depends_on: [").append(String.join(", ", s.deps())).append("]\n");
            }
            y.append("    with: { command: \"").append(command.apply(s)).append("\" }\n");
        }
        return y.toString();
    }

    /** Every expanded step in file order, with the upstream steps it must wait for. */
    public Map<String, List<String>> expectedUpstream() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Spec s : specs) {
            for (String item : s.foreach() ? s.items() : Collections.<String>singletonList(null)) {
                List<String> up = new ArrayList<>();
                for (String d : s.deps()) {
                    Spec u = spec(d);
                    if (item != null && u.foreach() && new HashSet<>(u.items()).equals(new HashSet<>(s.items()))) {
                        up.add(d + "[" + item + "]");
                    } else {
                        up.addAll(u.expandedIds());
                    }
                }
                out.put(item == null ? s.id() : s.id() + "[" + item + "]", up);
            }
        }
        return out;
    }

    /** The longest path to each expanded step from a step with no upstream. */
    public Map<String, Integer> expectedLevels() {
        Map<String, List<String>> up = expectedUpstream();
        Map<String, Integer> levels = new LinkedHashMap<>();
        for (String id : up.keySet()) {
            level(id, up, levels);
        }
        return levels;
    }

    private static int level(String id, Map<String, List<String>> up, Map<String, Integer> levels) {
        Integer known = levels.get(id);
        if (known != null) {
            return known;
        }
        int l = up.get(id).stream().mapToInt(u -> level(u, up, levels) + 1).max().orElse(0);
        levels.put(id, l);
        return l;
    }

    /** The plan's order: by level, then as written in the file. */
    public List<String> expectedOrder() {
        Map<String, Integer> levels = expectedLevels();
        List<String> fileOrder = new ArrayList<>(expectedUpstream().keySet());
        List<String> order = new ArrayList<>(fileOrder);
        order.sort((a, b) -> levels.get(a).equals(levels.get(b)) ? Integer.compare(fileOrder.indexOf(a), fileOrder.indexOf(b))
                : Integer.compare(levels.get(a), levels.get(b)));
        return order;
    }
}
