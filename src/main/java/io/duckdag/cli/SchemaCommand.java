package io.duckdag.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "schema", description = "Print the JSON Schema of the pipeline file, for editors: "
        + "duckdag schema > pipeline.schema.json, then '# yaml-language-server: $schema=pipeline.schema.json' atop the pipeline.")
final class SchemaCommand implements Callable<Integer> {
    /** The schema as packaged from schema/pipeline.schema.json in the repository. */
    static final String RESOURCE = "/io/duckdag/pipeline.schema.json";

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws IOException {
        try (InputStream in = SchemaCommand.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + " is missing from the jar; rebuild it with mvn package");
            }
            main.out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        main.out.flush();
        return 0;
    }
}
