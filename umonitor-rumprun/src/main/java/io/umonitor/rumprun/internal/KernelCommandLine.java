package io.umonitor.rumprun.internal;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.UnikernelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code -append} line for each flavour.
 *
 * <ul>
 *   <li>rumprun: one JSON object with the keys rumprun knows ({@code cmdline}, {@code env} once per
 *       variable, {@code hostname}, one {@code net}, {@code blk} per block device); anything else
 *       makes rumprun's bootstrap fail. The collector travels as the environment variables the C log
 *       client reads: {@code UMONITOR_NAME}, {@code UMONITOR_TOKEN}, {@code UMONITOR_TCP}, {@code UMONITOR_UDP}.
 *   <li>multiboot: {@code umonitor.name=N umonitor.token=T umonitor.tcp=H:P umonitor.udp=H:P
 *       umonitor.ip=A/P umonitor.gw=G}, then the arguments, then {@code qemu.append}.
 *   <li>unikraft: {@code netdev.ip=A/P:G}, the same {@code umonitor.*} words, {@code qemu.append}, then
 *       {@code --} and the arguments.
 * </ul>
 * Nothing is comma-doubled: {@code -append} is not a QEMU option list.
 */
public final class KernelCommandLine {

    private KernelCommandLine() {
    }

    public static String build(Flavour flavour, UnikernelSpec spec, NetworkPlan plan, String programName,
            String extraAppend) {
        return switch (flavour) {
            case RUMPRUN -> rumprunJson(spec, plan, programName, extraAppend);
            case MULTIBOOT -> join(umonitorWords(plan), spec.arguments(), extraAppend, null);
            case UNIKRAFT -> {
                List<String> words = new ArrayList<>();
                plan.first().ifPresent(n -> words.add("netdev.ip=" + n.guestAddress() + "/" + n.prefixLength()
                        + ":" + n.gateway()));
                words.addAll(umonitorWords(plan));
                yield join(words, List.of(), extraAppend, spec.arguments());
            }
        };
    }

    private static List<String> umonitorWords(NetworkPlan plan) {
        GuestCollectors c = plan.collectors();
        List<String> words = new ArrayList<>();
        words.add("umonitor.name=" + c.name());
        words.add("umonitor.token=" + c.token());
        if (c.tcp() != null) {
            words.add("umonitor.tcp=" + c.tcp());
        }
        if (c.udp() != null) {
            words.add("umonitor.udp=" + c.udp());
        }
        plan.first().ifPresent(n -> {
            words.add("umonitor.ip=" + n.guestAddress() + "/" + n.prefixLength());
            words.add("umonitor.gw=" + n.gateway());
        });
        return words;
    }

    private static String join(List<String> first, List<String> arguments, String extra, List<String> afterDashes) {
        List<String> all = new ArrayList<>(first);
        all.addAll(arguments);
        if (extra != null && !extra.isBlank()) {
            all.add(extra.trim());
        }
        if (afterDashes != null && !afterDashes.isEmpty()) {
            all.add("--");
            all.addAll(afterDashes);
        }
        return String.join(" ", all);
    }

    static String rumprunJson(UnikernelSpec spec, NetworkPlan plan, String programName, String extraAppend) {
        StringBuilder json = new StringBuilder("{");
        List<String> cmdline = new ArrayList<>();
        cmdline.add(programName);
        for (String a : spec.arguments()) {
            cmdline.add(a.isEmpty() || a.chars().anyMatch(Character::isWhitespace) ? "\"" + a + "\"" : a);
        }
        if (extraAppend != null && !extraAppend.isBlank()) {
            cmdline.add(extraAppend.trim());
        }
        field(json, "cmdline", quote(String.join(" ", cmdline)));
        GuestCollectors c = plan.collectors();
        field(json, "env", quote("UMONITOR_NAME=" + c.name()));
        field(json, "env", quote("UMONITOR_TOKEN=" + c.token()));
        if (c.tcp() != null) {
            field(json, "env", quote("UMONITOR_TCP=" + c.tcp()));
        }
        if (c.udp() != null) {
            field(json, "env", quote("UMONITOR_UDP=" + c.udp()));
        }
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
            field(json, "env", quote(e.getKey() + "=" + e.getValue()));
        }
        field(json, "hostname", quote(spec.name()));
        plan.first().ifPresent(n -> field(json, "net", "{\"if\":\"vioif0\",\"type\":\"inet\",\"method\":\"static\","
                + "\"addr\":" + quote(n.guestAddress()) + ",\"mask\":" + quote(Integer.toString(n.prefixLength()))
                + ",\"gw\":" + quote(n.gateway()) + "}"));
        List<BlockDeviceSpec> blocks = spec.blockDevices();
        for (int i = 0; i < blocks.size(); i++) {
            field(json, "blk", "{\"source\":\"dev\",\"path\":\"/dev/ld" + i + "a\",\"fstype\":\"blk\","
                    + "\"mountpoint\":" + quote("/" + blocks.get(i).name()) + "}");
        }
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String key, String value) {
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(key).append("\":").append(value);
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        q.append(String.format("\\u%04x", (int) ch));
                    } else {
                        q.append(ch);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
