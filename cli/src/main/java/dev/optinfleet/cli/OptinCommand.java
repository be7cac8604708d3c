package dev.optinfleet.cli;

import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.schemas.MalformedMessageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;

/**
 * The {@code optin} command line. Exit codes: 0 success, 2 bad input (arguments, files, budgets), 1 failure while
 * running, 3 a coordinator that cannot be reached.
 */
@Command(name = "optin", mixinStandardHelpOptions = true, version = "optin-fleet 0.1.0",
        description = "One-shot OPTIN pruning of pretrained transformers.",
        subcommands = {DemoCommand.class, PruneCommand.class, PlanCommand.class, ApplyCommand.class,
                ExportCommand.class,
                EvalCommand.class, StatusCommand.class, BudgetsCommand.class, ReportCommand.class, ModelsCommand.class,
                UploadCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  ./optin prune --model bundled:minilm --calibration cal.jsonl --budget 0.6 --out out/",
                "  ./optin apply --model bundled:minilm --mask out/budget-0.6/mask.json --out small/",
                "  ./optin export --model out/budget-0.6 --out onnx/"})
public final class OptinCommand {
    public static final int BAD_INPUT = 2;
    public static final int FAILURE = 1;
    public static final int UNREACHABLE = 3;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new OptinCommand());
        cli.setExitCodeExceptionMapper(OptinCommand::exitCode);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("optin: " + message(e));
            return exitCode(e);
        });
        return cli;
    }

    static int exitCode(Throwable e) {
        if (e instanceof IllegalArgumentException || e instanceof CheckpointFormatException
                || e instanceof MalformedMessageException || e instanceof CommandLine.ParameterException) {
            return BAD_INPUT;
        }
        if (e instanceof CoordinatorUnreachableException) {
            return UNREACHABLE;
        }
        return FAILURE;
    }

    private static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return u.getMessage() + ": " + u.getCause().getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
