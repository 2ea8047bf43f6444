package io.umonitor.testkit.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.spi.UnikernelBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/writing-a-backend.md and the example it shows from drifting apart: every Java block of the
 * guide is a verbatim piece of one of the example's files, and every file is shown.
 */
class WritingABackendGuideTest {

    private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path GUIDE = MODULE.resolveSibling("docs").resolve("writing-a-backend.md");
    private static final Path EXAMPLE = MODULE.resolve("src/test/java/io/umonitor/testkit/example");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaBlockOfTheGuideIsVerbatimInTheExampleAndEveryFileIsShown() throws IOException {
        Map<String, String> sources = Map.of(
                "ScriptBackend.java", Files.readString(EXAMPLE.resolve("ScriptBackend.java")),
                "ScriptGuest.java", Files.readString(EXAMPLE.resolve("ScriptGuest.java")),
                "ScriptBackendContractIT.java", Files.readString(EXAMPLE.resolve("ScriptBackendContractIT.java")));
        Matcher m = JAVA_BLOCK.matcher(Files.readString(GUIDE));
        List<String> shown = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String block = m.group(1);
            String file = sources.entrySet().stream().filter(e -> e.getValue().contains(block)).map(Map.Entry::getKey)
                    .findFirst().orElseThrow(() -> new AssertionError("this block of " + GUIDE + " is not in the "
                            + "example under " + EXAMPLE + " (update the guide with the code, or the code with the "
                            + "guide):\n" + block));
            shown.add(file);
        }
        assertTrue(blocks >= 6, "the guide shows the example in " + blocks + " blocks");
        for (String file : sources.keySet()) {
            assertTrue(shown.contains(file), file + " is not shown in " + GUIDE);
        }
    }

    @Test
    void theExampleBackendIsFoundByTheServiceLoaderAsTheGuideSays() {
        List<String> ids = ServiceLoader.load(UnikernelBackend.class).stream().map(p -> p.get().id()).toList();
        assertEquals(List.of("script"), ids);
    }
}
