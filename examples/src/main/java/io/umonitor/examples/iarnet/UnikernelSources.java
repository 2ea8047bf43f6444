package io.umonitor.examples.iarnet;

import io.umonitor.api.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the sources of a function's MirageOS unikernel: the template ({@code config.ml},
 * {@code unikernel.ml}, {@code gateway_client.ml}) plus the function's own {@code handlers.ml}. The
 * output depends only on the handler code, so the same code gives byte-identical sources and the
 * builder reuses its earlier build.
 *
 * <p>The handler code must define
 * <pre>val handle : topic:string -> Yojson.Safe.t -> (Yojson.Safe.t, string) result Lwt.t</pre>
 */
public final class UnikernelSources {
    /** The template files, besides handlers.ml. */
    public static final List<String> TEMPLATE = List.of("config.ml", "unikernel.ml", "gateway_client.ml");

    private UnikernelSources() {
    }

    /**
     * Writes the sources into {@code directory} (created; existing template files replaced) and returns it.
     *
     * @throws ConfigurationException when the handler code is blank or defines no {@code handle}
     */
    public static Path write(Path directory, String handlersMl) {
        if (handlersMl == null || handlersMl.isBlank()) {
            throw new ConfigurationException("the function's handler code is empty: pass OCaml code defining "
                    + "'let handle ~topic value = ...' (see UnikernelSources)");
        }
        if (!handlersMl.contains("handle")) {
            throw new ConfigurationException("the function's handler code defines no 'handle': it must define "
                    + "val handle : topic:string -> Yojson.Safe.t -> (Yojson.Safe.t, string) result Lwt.t");
        }
        try {
            Files.createDirectories(directory);
            for (String name : TEMPLATE) {
                Files.write(directory.resolve(name), template(name));
            }
            Files.writeString(directory.resolve("handlers.ml"), handlersMl, StandardCharsets.UTF_8);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the unikernel sources to " + directory + ": " + e.getMessage()
                    + ": check that the provider's work directory is writable", e);
        }
    }

    static byte[] template(String name) {
        try (InputStream in = UnikernelSources.class.getResourceAsStream("template/" + name)) {
            if (in == null) {
                throw new IllegalStateException("template file " + name + " is missing from the examples jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
