package io.umonitor.kit.example;

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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/writing-a-backend.md and the example it shows from drifting apart: every Java block of the
 * guide is a verbatim piece of one of the example's files, every file is shown, and the example needs no
 * umonitor artifact but those the guide's dependency block lists.
 */
class WritingABackendGuideTest {

    private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path GUIDE = MODULE.resolveSibling("docs").resolve("writing-a-backend.md");
    private static final Path EXAMPLE = MODULE.resolve("src/test/java/io/umonitor/kit/example");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern XML_BLOCK = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern DEPENDENCY = Pattern.compile(
            "<dependency>.*?<artifactId>([^<]+)</artifactId>(.*?)</dependency>", Pattern.DOTALL);
    private static final Pattern UMONITOR_IMPORT = Pattern.compile("^import (io\\.umonitor\\.[a-z]+)\\.",
            Pattern.MULTILINE);
    /** The package each artifact a backend may use provides. */
    private static final Map<String, String> ARTIFACT_OF_PACKAGE = Map.of(
            "io.umonitor.api", "umonitor-api",
            "io.umonitor.kit", "umonitor-backend-kit",
            "io.umonitor.testkit", "umonitor-testkit");
    /** The example's files, each shown in the guide. */
    private static final List<String> FILES = List.of("ScriptBackend.java", "ScriptBackendContractIT.java");

    @Test
    void everyJavaBlockOfTheGuideIsVerbatimInTheExampleAndEveryFileIsShown() throws IOException {
        Map<String, String> sources = new TreeMap<>();
        for (String file : FILES) {
            sources.put(file, Files.readString(EXAMPLE.resolve(file)));
        }
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
        assertTrue(blocks >= 3, "the guide shows the example in " + blocks + " blocks");
        for (String file : FILES) {
            assertTrue(shown.contains(file), file + " is not shown in " + GUIDE);
        }
    }

    @Test
    void theGuidesDependenciesAreExactlyTheUmonitorArtifactsTheExampleImports() throws IOException {
        Matcher xml = XML_BLOCK.matcher(Files.readString(GUIDE));
        assertTrue(xml.find(), "the guide shows the module's dependencies in an xml block");
        TreeSet<String> listed = new TreeSet<>();
        List<String> testScoped = new ArrayList<>();
        for (Matcher d = DEPENDENCY.matcher(xml.group(1)); d.find(); ) {
            listed.add(d.group(1));
            if (d.group(2).contains("<scope>test</scope>")) {
                testScoped.add(d.group(1));
            }
        }
        assertEquals(List.of("umonitor-testkit"), testScoped, "only the contract suite is a test dependency");
        TreeSet<String> imported = new TreeSet<>();
        for (String file : FILES) {
            for (Matcher i = UMONITOR_IMPORT.matcher(Files.readString(EXAMPLE.resolve(file))); i.find(); ) {
                String artifact = ARTIFACT_OF_PACKAGE.get(i.group(1));
                assertTrue(artifact != null, file + " imports " + i.group(1) + ", which no artifact a backend "
                        + "depends on provides (core is not one of them)");
                imported.add(artifact);
            }
        }
        assertEquals(imported, listed, "the dependencies " + GUIDE + " lists");
    }

    @Test
    void theExampleBackendIsFoundByTheServiceLoaderAsTheGuideSays() {
        List<String> ids = ServiceLoader.load(UnikernelBackend.class).stream().map(p -> p.get().id()).toList();
        assertEquals(List.of("script"), ids);
    }
}
