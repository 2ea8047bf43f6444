package io.umonitor.core.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.core.Monitor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Public versus internal, enforced at build time: {@code internal} packages are machinery that may change
 * in any release, so no public signature outside them names an internal type, and no other module (the
 * command line, the backends) reaches into another module's {@code internal} packages.
 *
 * <p>A build check rather than {@code module-info.java}: the modules are found through ServiceLoader with
 * auto-service registrations, and tests live in the same packages as the code they test (including
 * {@code internal} ones), which the module path would make a second set of descriptors and opens for
 * every module. This test states the same rule in one place and names each violation.
 */
class PublicApiBoundaryTest {
    /** Everything in the repository that is not a product module; the benchmarks measure internals on purpose. */
    private static final Set<String> NOT_CHECKED = Set.of("bench", "target", ".git", ".ci");
    private static final Pattern INTERNAL_REFERENCE = Pattern.compile("\\bio\\.umonitor\\.([a-z0-9_.]+?)\\.internal\\b");

    private static Path coreClasses() throws Exception {
        return Path.of(Monitor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Path repository() throws Exception {
        // umonitor-core/target/classes -> the repository root
        return coreClasses().getParent().getParent().getParent();
    }

    @Test
    void noPublicSignatureOutsideInternalNamesAnInternalType() throws Exception {
        Path classes = coreClasses();
        List<String> violations = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains(".internal.") || name.endsWith("package-info") || name.endsWith("module-info")) {
                    continue;
                }
                Class<?> type = Class.forName(name, false, getClass().getClassLoader());
                if (!isExported(type)) {
                    continue;
                }
                checked.add(name);
                check(type.getGenericSuperclass(), name + " extends", violations);
                for (Type t : type.getGenericInterfaces()) {
                    check(t, name + " implements", violations);
                }
                for (Field f : type.getDeclaredFields()) {
                    if (visible(f.getModifiers())) {
                        check(f.getGenericType(), name + "." + f.getName(), violations);
                    }
                }
                List<Executable> members = new ArrayList<>(List.of(type.getDeclaredMethods()));
                for (Constructor<?> c : type.getDeclaredConstructors()) {
                    members.add(c);
                }
                for (Executable m : members) {
                    if (!visible(m.getModifiers()) || m.isSynthetic()) {
                        continue;
                    }
                    String where = name + "." + m.getName() + "()";
                    for (Type p : m.getGenericParameterTypes()) {
                        check(p, where + " parameter", violations);
                    }
                    if (m instanceof Method method) {
                        check(method.getGenericReturnType(), where + " returns", violations);
                    }
                    for (Type e : m.getGenericExceptionTypes()) {
                        check(e, where + " throws", violations);
                    }
                }
            }
        }
        assertTrue(checked.contains(Monitor.class.getName()), "the scan found the public classes: " + checked);
        assertEquals(List.of(), violations, "public API that exposes internal machinery");
    }

    @Test
    void noModuleImportsAnotherModulesInternalPackages() throws Exception {
        Path root = repository();
        Map<String, Path> moduleOfPackage = new TreeMap<>();
        List<Path> modules;
        try (Stream<Path> dirs = Files.list(root)) {
            modules = dirs.filter(d -> Files.isDirectory(d.resolve("src/main/java"))
                    && !NOT_CHECKED.contains(d.getFileName().toString())).toList();
        }
        assertTrue(modules.size() >= 5, "found the modules: " + modules);
        for (Path module : modules) {
            Path sources = module.resolve("src/main/java");
            try (Stream<Path> dirs = Files.walk(sources)) {
                dirs.filter(Files::isDirectory).forEach(d -> moduleOfPackage.putIfAbsent(
                        sources.relativize(d).toString().replace('/', '.'), module));
            }
        }
        List<String> violations = new ArrayList<>();
        for (Path module : modules) {
            try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String relative = root.relativize(file).toString();
                    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = INTERNAL_REFERENCE.matcher(lines.get(i));
                        while (m.find()) {
                            String internalPackage = "io.umonitor." + m.group(1) + ".internal";
                            Path owner = moduleOfPackage.get(internalPackage);
                            if (owner != null && !owner.equals(module)) {
                                violations.add(relative + ":" + (i + 1) + " uses " + internalPackage + " of "
                                        + owner.getFileName());
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "modules reaching into another module's internal packages");
    }

    @Test
    void theApplicationApiDoesNotDependOnTheProviderSpi() throws Exception {
        // Types applications see (handles, records, endpoints) live in api; api.spi builds on api, never back.
        Path api = repository().resolve("umonitor-api/src/main/java/io/umonitor/api");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.list(api)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.startsWith("import io.umonitor.api.spi.")) {
                        violations.add(file.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertTrue(Files.exists(api.resolve("UnikernelHandle.java")), "found the api sources in " + api);
        assertEquals(List.of(), violations, "application API types that need the provider SPI");
    }

    private static boolean isExported(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (!Modifier.isPublic(c.getModifiers()) && !(c != type && Modifier.isProtected(c.getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(Type type, String where, List<String> violations) {
        if (type == null) {
            return;
        }
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.getName().contains(".internal.")) {
                violations.add(where + ": " + c.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(p.getRawType(), where, violations);
            for (Type a : p.getActualTypeArguments()) {
                check(a, where, violations);
            }
        } else if (type instanceof GenericArrayType g) {
            check(g.getGenericComponentType(), where, violations);
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                check(b, where, violations);
            }
            for (Type b : w.getLowerBounds()) {
                check(b, where, violations);
            }
        }
    }
}
