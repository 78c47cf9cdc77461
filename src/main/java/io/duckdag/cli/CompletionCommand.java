package io.duckdag.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine;

@Command(name = "completion", description = "Print a completion script for bash or zsh: source <(duckdag completion bash).")
final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @ParentCommand
    Main main;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SHELL", description = "bash (the default) or zsh.")
    Shell shell = Shell.bash;

    @Override
    public Integer call() {
        // picocli writes one script for both shells; zsh runs it through its bash compatibility.
        CommandLine cli = Main.commandLine(new Main(main.env, main.clock));
        Main.addHelpOption(cli);
        String script = AutoComplete.bash("duckdag", cli);
        if (shell == Shell.zsh) {
            main.out.println("autoload -U +X compinit && compinit");
            main.out.println("autoload -U +X bashcompinit && bashcompinit");
        }
        main.out.print(script);
        return 0;
    }
}
