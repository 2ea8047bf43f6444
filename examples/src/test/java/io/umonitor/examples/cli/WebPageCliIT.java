package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `shell --web` starts the live page; real headless Chromium renders it in each state (live, paused,
 * filtered, time range, no or wrong token) with DOM assertions and a screenshot at 800 px per state.
 * Screenshots go to target/web-shots (and to $UMONITOR_SHOTS when set).
 */
class WebPageCliIT {
    private static final Pattern ROW = Pattern.compile("<div class=\"rec level-(\\w+)\" data-level=\"\\w+\" data-unikernel=\"([^\"]+)\" "
            + "data-time=\"([^\"]+)\"[^>]*?( hidden(=\"\")?)?>");

    static Path chromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name);
                }
            }
        }
        return null;
    }

    @Test
    void thePageMergesGuestsByTimeAndShowsEachStateInChromium(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        assumeTrue(chromium != null, "needs Chromium: apt-get install chromium (listed in .ci/packages.txt)");
        RunCommandIT.script(dir, "alpha", "for i in 1 2 3 4; do echo \"alpha $i\"; sleep 0.2; done\n"
                + "echo '<b id=injected>bold</b> from alpha'\nsleep 120\n");
        RunCommandIT.script(dir, "beta", "sleep 0.1\nfor i in 1 2 3 4; do echo \"beta $i\"; sleep 0.2; done\nsleep 120\n");
        Path home = dir.resolve("home");
        try (CliTerminal shell = CliTerminal.start(home, dir, "shell", "--web")) {
            int at = shell.await("umonitor> ", 60);
            Matcher address = Pattern.compile("live log page \\(the address includes its viewer token\\): (http://\\S+\\?token=\\S+)")
                    .matcher(shell.screen());
            assertTrue(address.find(), "shell --web prints the page address with its token:\n" + shell.screen());
            String page = address.group(1);
            shell.type("run ./alpha\r");
            shell.type("run ./beta\r");
            at = shell.await("launched beta", at, 60);
            shell.await("bold</b> from alpha", 0, 30);
            shell.await("beta 4", 0, 30);

            String live = render(chromium, dir, page, "live", d -> d.contains("beta 4") && d.contains("from alpha"));
            List<String[]> rows = rows(live);
            List<String> guests = rows.stream().filter(r -> !r[1].isEmpty()).map(r -> r[1]).toList();
            assertTrue(guests.contains("alpha") && guests.contains("beta"), live);
            List<String> times = rows.stream().map(r -> r[2]).toList();
            assertEquals(times.stream().sorted().toList(), times, "rows are in time order across guests");
            int switches = 0;
            for (int i = 1; i < guests.size(); i++) {
                switches += guests.get(i).equals(guests.get(i - 1)) ? 0 : 1;
            }
            assertTrue(switches >= 3, "history is merged, not grouped per guest (" + guests + ")");
            assertTrue(live.contains("status-live"), "the status says live:\n" + live);
            long shown = rows.stream().filter(r -> r[3] == null).count();
            assertTrue(live.contains(shown + " of " + rows.size() + " records shown"), "the count is of the rows shown:\n" + live);
            assertTrue(live.contains("&lt;b id=injected&gt;bold&lt;/b&gt; from alpha"), "guest HTML shows as text");
            assertFalse(live.contains("<b id=\"injected\">"), "guest HTML never becomes markup");

            String pausedDom = render(chromium, dir, page + "&paused=1", "paused", d -> d.contains("held while paused"));
            assertTrue(pausedDom.contains("status-paused") && pausedDom.contains("held while paused"), pausedDom);
            assertTrue(rows(pausedDom).isEmpty(), "while paused nothing new is drawn");

            String filtered = render(chromium, dir, page + "&level=TRACE&filter=alpha%203&hide=beta", "filtered",
                    d -> d.contains("alpha 3"));
            List<String[]> visible = rows(filtered).stream().filter(r -> r[3] == null).toList();
            assertEquals(1, visible.size(), "only 'alpha 3' matches:\n" + filtered);
            assertTrue(filtered.contains("1 of "), filtered);
            assertTrue(filtered.contains("data-unikernel=\"beta\" type=\"checkbox\"") || filtered.contains("type=\"checkbox\" data-unikernel=\"beta\""),
                    "a toggle per guest:\n" + filtered);

            String future = render(chromium, dir, page + "&from=2999-01-01T00:00:00", "time-range",
                    d -> d.contains("beta 4"));
            assertTrue(future.contains("0 of "), "no record is from the year 2999:\n" + future);

            String noToken = render(chromium, dir, page.replaceAll("\\?token=.*", ""), "no-token", d -> true);
            assertTrue(noToken.contains("needs its viewer token") && noToken.contains("status-error"), noToken);
            String wrongToken = render(chromium, dir, page.replaceAll("token=.*", "token=0000000000000000"), "wrong-token",
                    d -> d.contains("status-error"));
            assertTrue(wrongToken.contains("viewer token in this address is wrong"), wrongToken);
            shell.type("\u0004");
            assertTrue(shell.awaitExit(60));
        }
    }

    /** Each row: level, unikernel, time, " hidden" or null. */
    private static List<String[]> rows(String dom) {
        List<String[]> rows = new ArrayList<>();
        Matcher m = ROW.matcher(dom);
        while (m.find()) {
            rows.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
        }
        return rows;
    }

    /**
     * Renders until {@code ready} holds (at most 8 tries): WebSocket messages do not hold Chromium's virtual
     * time, so on a busy machine a dump can come before the history arrived.
     */
    private static String render(Path chromium, Path dir, String page, String state,
                                 java.util.function.Predicate<String> ready) throws Exception {
        String dom = chromium(chromium, dir, page, "--dump-dom");
        for (int attempt = 1; attempt < 8 && !ready.test(dom); attempt++) {
            dom = chromium(chromium, dir, page, "--dump-dom");
        }
        Path shot = dir.resolve(state + ".png");
        chromium(chromium, dir, page, "--screenshot=" + shot, "--window-size=800,900");
        assertTrue(Files.size(shot) > 1000, "a screenshot of " + state);
        List<Path> targets = new ArrayList<>(List.of(Path.of("target", "web-shots")));
        if (System.getenv("UMONITOR_SHOTS") != null) {
            targets.add(Path.of(System.getenv("UMONITOR_SHOTS")));
        }
        for (Path t : targets) {
            Files.createDirectories(t);
            Files.copy(shot, t.resolve("page-" + state + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return dom;
    }

    private static String chromium(Path chromium, Path dir, String page, String... what) throws Exception {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=10000"));
        command.addAll(List.of(what));
        command.add(page);
        Path out = dir.resolve("chromium.out");
        Path err = dir.resolve("chromium.err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 90 s: " + Files.readString(err));
        }
        assertEquals(0, p.exitValue(), Files.readString(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
