package io.umonitor.solo5;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ConfigurationException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a Solo5 image declares: its ABI target and version ({@code solo5-elftool query-abi}) and its
 * device manifest ({@code solo5-elftool query-manifest}), and whether it links a umonitor log client
 * ({@link UmonitorClientSymbols}).
 */
record Solo5Image(Path path, Tender target, int abiVersion, List<Device> devices, boolean linksUmonitorClient) {

    enum DeviceType { NET_BASIC, BLOCK_BASIC }

    record Device(String name, DeviceType type) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    Solo5Image {
        devices = List.copyOf(devices);
    }

    /** An image that links no umonitor client. */
    Solo5Image(Path path, Tender target, int abiVersion, List<Device> devices) {
        this(path, target, abiVersion, devices, false);
    }

    Solo5Image withUmonitorClient(boolean links) {
        return new Solo5Image(path, target, abiVersion, devices, links);
    }

    List<String> deviceNames(DeviceType type) {
        return devices.stream().filter(d -> d.type() == type).map(Device::name).toList();
    }

    /**
     * Parses the JSON documents solo5-elftool prints, e.g. {@code {"type":"solo5.abi","target":"hvt","version":2}}
     * and {@code {"type":"solo5.manifest","version":1,"devices":[{"name":"service0","type":"NET_BASIC"}]}}.
     */
    static Solo5Image parse(Path image, String manifestJson, String abiJson) {
        JsonNode abi = read(image, "query-abi", abiJson);
        if (!"solo5.abi".equals(abi.path("type").asText())) {
            throw unreadable(image, "query-abi", "its type is '" + abi.path("type").asText() + "', not 'solo5.abi'");
        }
        String targetName = abi.path("target").asText();
        Tender target = Tender.fromTarget(targetName).orElseThrow(() -> new ConfigurationException("image " + image
                + " is built for the Solo5 target '" + targetName + "', which umonitor cannot run: rebuild it "
                + "for hvt or spt (e.g. mirage configure -t spt)"));
        int abiVersion = abi.path("version").asInt(-1);

        JsonNode manifest = read(image, "query-manifest", manifestJson);
        if (!"solo5.manifest".equals(manifest.path("type").asText())) {
            throw unreadable(image, "query-manifest", "its type is '" + manifest.path("type").asText()
                    + "', not 'solo5.manifest'");
        }
        List<Device> devices = new ArrayList<>();
        for (JsonNode device : manifest.path("devices")) {
            String name = device.path("name").asText();
            String type = device.path("type").asText();
            DeviceType deviceType;
            try {
                deviceType = DeviceType.valueOf(type);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("image " + image + " declares device '" + name + "' of type '"
                        + type + "', which umonitor does not know: only NET_BASIC and BLOCK_BASIC are supported");
            }
            devices.add(new Device(name, deviceType));
        }
        return new Solo5Image(image, target, abiVersion, devices);
    }

    private static JsonNode read(Path image, String command, String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw unreadable(image, command, "the output is not JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static ConfigurationException unreadable(Path image, String command, String why) {
        return new ConfigurationException("cannot read the Solo5 " + command.substring(6) + " of image " + image
                + ": solo5-elftool " + command + " printed something umonitor does not understand, " + why
                + ": check that the image is a Solo5 unikernel and that solo5-elftool matches its Solo5 version");
    }
}
