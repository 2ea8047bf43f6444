package io.umonitor.rumprun.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestParameters;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code -append} line for each flavour.
 *
 * <ul>
 *   <li>rumprun: one JSON object with the keys rumprun knows ({@code cmdline}, {@code env} once per
 *       variable, {@code hostname}, one {@code net}, {@code blk} per block device); anything else
 *       makes rumprun's bootstrap fail. The collector travels as the environment variables the C log
 *       client reads: {@code UMONITOR_NAME}, {@code UMONITOR_TCP}, {@code UMONITOR_UDP}.
 *   <li>multiboot: {@code umonitor.name=N umonitor.tcp=H:P umonitor.udp=H:P
 *       umonitor.ip=A/P umonitor.gw=G}, then the arguments, then {@code qemu.append}.
 *   <li>unikraft: {@code netdev.ip=A/P:G}, the same {@code umonitor.*} words, {@code qemu.append}, then
 *       {@code --} and the arguments.
 * </ul>
 * Nothing is comma-doubled: {@code -append} is not a QEMU option list.
 *
 * <p>The token is not on this line (every local user reads {@code -append} in {@code ps}): the guest reads
 * it through fw_cfg ({@link GuestTokenFile}). Only with {@code tokenOnCommandLine}, for guests whose
 * client predates that, it is added as {@code UMONITOR_TOKEN} (rumprun) or {@code umonitor.token=T}.
 */
public final class KernelCommandLine {

    private static final JsonFactory JSON = new JsonFactory();

    private KernelCommandLine() {
    }

    public static String build(Flavour flavour, UnikernelSpec spec, NetworkPlan plan, String programName,
            String extraAppend, boolean tokenOnCommandLine) {
        return switch (flavour) {
            case RUMPRUN -> rumprunJson(spec, plan, programName, extraAppend, tokenOnCommandLine);
            case MULTIBOOT -> join(umonitorWords(plan, tokenOnCommandLine), spec.arguments(), extraAppend, null);
            case UNIKRAFT -> {
                List<String> words = new ArrayList<>();
                plan.first().ifPresent(n -> words.add("netdev.ip=" + n.guestAddress() + "/" + n.prefixLength()
                        + ":" + n.gateway()));
                words.addAll(umonitorWords(plan, tokenOnCommandLine));
                yield join(words, List.of(), extraAppend, spec.arguments());
            }
        };
    }

    private static List<String> umonitorWords(NetworkPlan plan, boolean tokenOnCommandLine) {
        GuestCollectors c = plan.collectors();
        List<String> words = new ArrayList<>();
        words.add("umonitor.name=" + c.name());
        if (tokenOnCommandLine) {
            words.add("umonitor.token=" + c.token());
        }
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

    /**
     * rumprun's configuration repeats the key {@code env}, once per variable, which a JSON tree cannot
     * hold: it is written with Jackson's streaming generator, which escapes every string as JSON needs.
     */
    static String rumprunJson(UnikernelSpec spec, NetworkPlan plan, String programName, String extraAppend,
            boolean tokenOnCommandLine) {
        List<String> cmdline = new ArrayList<>();
        cmdline.add(programName);
        for (String a : spec.arguments()) {
            cmdline.add(a.isEmpty() || a.chars().anyMatch(Character::isWhitespace) ? "\"" + a + "\"" : a);
        }
        if (extraAppend != null && !extraAppend.isBlank()) {
            cmdline.add(extraAppend.trim());
        }
        GuestCollectors c = plan.collectors();
        List<String> env = new ArrayList<>();
        env.add(GuestParameters.assignment(GuestParameters.NAME, c.name()));
        if (tokenOnCommandLine) {
            env.add(GuestParameters.assignment(GuestParameters.TOKEN, c.token()));
        }
        if (c.tcp() != null) {
            env.add(GuestParameters.assignment(GuestParameters.TCP, c.tcp()));
        }
        if (c.udp() != null) {
            env.add(GuestParameters.assignment(GuestParameters.UDP, c.udp()));
        }
        spec.environment().forEach((k, v) -> env.add(GuestParameters.assignment(k, v)));
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("cmdline", String.join(" ", cmdline));
            for (String variable : env) {
                json.writeStringField("env", variable);
            }
            json.writeStringField("hostname", spec.name());
            if (plan.first().isPresent()) {
                GuestNic n = plan.first().get();
                json.writeObjectFieldStart("net");
                json.writeStringField("if", "vioif0");
                json.writeStringField("type", "inet");
                json.writeStringField("method", "static");
                json.writeStringField("addr", n.guestAddress());
                json.writeStringField("mask", Integer.toString(n.prefixLength()));
                json.writeStringField("gw", n.gateway());
                json.writeEndObject();
            }
            List<BlockDeviceSpec> blocks = spec.blockDevices();
            for (int i = 0; i < blocks.size(); i++) {
                json.writeObjectFieldStart("blk");
                json.writeStringField("source", "dev");
                json.writeStringField("path", "/dev/ld" + i + "a");
                json.writeStringField("fstype", "blk");
                json.writeStringField("mountpoint", "/" + blocks.get(i).name());
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string failed", e);
        }
        return out.toString();
    }
}
