package io.umonitor.examples.cli;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Says the library's errors in the words of the command line. The library's messages name the Java calls
 * that fix a problem ({@code UnikernelSpec.builder(...).backend("ID")}); a command-line user needs the flag
 * that does the same ({@code --backend ID}). Each rule maps one such phrase; messages become one line.
 */
final class CliErrors {
    private record Rule(Pattern java, String cli) {
    }

    private static final List<Rule> RULES = List.of(
            rule("UnikernelSpec\\.builder\\(\\.\\.\\.\\)\\.backend\\(\"ID\"\\)", "--backend ID (e.g. --backend process)"),
            rule("Monitor\\.builder\\(\\)\\.backend\\(\\.\\.\\.\\)", "a backend module on the classpath"),
            rule("add NetworkSpec\\.tap\\(\"([^\"]+)\"\\)", "add --net $1"),
            rule("use NetworkSpec\\.tap\\(\"([^\"]+)\"\\)", "use --net $1"),
            rule("add a BlockDeviceSpec named '([^']+)'", "add --block $1=PATH"),
            rule("raise the unikernel's memoryMb \\(now (\\d+) MB\\)", "raise --mem (now --mem $1)"),
            rule("raise the unikernel's memoryMb \\(now the tender default\\)", "raise --mem (now the tender default)"),
            rule("\\bmemoryMb is (-?\\d+)", "--mem $1"),
            rule("\\bcpus is (-?\\d+)", "--cpus $1"),
            rule("remove it from the spec", "remove it from the command line"),
            rule("the spec does not attach it", "the command line does not attach it"),
            rule("give it as a block device", "give it with --block"),
            rule("give it as a network device", "give it with --net"),
            rule("logs\\(\"([^\"]+)\", LogFilter\\.ALL\\)", "`umonitor logs $1`"));

    private CliErrors() {
    }

    private static Rule rule(String java, String cli) {
        return new Rule(Pattern.compile(java), cli);
    }

    /** The message in command-line words, on one line. */
    static String forCommandLine(String message) {
        if (message == null || message.isBlank()) {
            return "failed without a message (run again with --debug for the stack trace)";
        }
        String text = message;
        for (Rule r : RULES) {
            text = r.java().matcher(text).replaceAll(r.cli().replace("\\", "\\\\"));
        }
        return text.replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The whole chain of messages of a failure whose top message alone says too little (e.g. "UncheckedIOException"). */
    static String describe(Throwable e) {
        String message = e.getMessage();
        if (e instanceof io.umonitor.api.UmonitorException || e instanceof IllegalArgumentException) {
            return forCommandLine(message);
        }
        StringBuilder chain = new StringBuilder(message == null ? e.getClass().getSimpleName() : message);
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !chain.toString().contains(cause.getMessage())) {
                chain.append(": ").append(cause.getMessage());
            }
        }
        return forCommandLine(chain.toString());
    }
}
