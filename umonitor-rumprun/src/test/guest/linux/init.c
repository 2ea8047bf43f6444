/*
 * /init of the stand-in Linux guest: a Linux kernel that behaves like a rumprun unikernel for
 * umonitor's QEMU backend tests. It reads rumprun's JSON configuration from the kernel command line,
 * loads the virtio-net modules, configures the NIC statically from the "net" block, announces itself
 * with rumprun's console markers and sends log records with the umonitor C client over UDP, TCP and
 * the console encoding, then prints rumprun's exit markers and "halted" and idles (rumprun never
 * powers off; the monitor stops QEMU). Its token is not in the configuration: like a rumprun guest's
 * client built with -DUMON_FWCFG, this one reads it from QEMU's fw_cfg device (on Linux through sysfs
 * when the qemu_fw_cfg driver is loaded, which it is not here, else through the I/O ports, which
 * ioperm() opens to this root process as ring 0 has them open to rumprun).
 *
 * Program arguments (the JSON "cmdline" after the program name):
 *   --records N   records per transport (default 3)      --exit N   the exit code to report (default 0)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "umonitor_log.h"

/* The order the cloud kernel's virtio-net stack needs them in (each depends on the ones before). */
static const char *const MODULES[] = { "virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio",
                                       "virtio_pci", "failover", "net_failover", "virtio_net" };

static char program[64] = "standin";
static char net_addr[64], net_mask[8], net_gw[64];
static int records = 3;
static int exit_code = 0;

static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void idle_forever(void) {
    for (;;) pause();
}

static void fail(const char *what) {
    say("standin: %s failed: %s\n", what, strerror(errno));
    say("PANIC: stand-in guest could not %s\n", what);
    say("halted\n");
    idle_forever();
}

static void console_on_serial(void) {
    mkdir("/dev", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0) {
        mknod("/dev/ttyS0", S_IFCHR | 0600, makedev(4, 64));
    }
    int fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2) close(fd);
    }
}

/* ---- rumprun's JSON configuration: flat keys with string values, "net" and "blk" objects ---- */

static void copy_text(char *dst, size_t cap, const char *src) {
    size_t n = 0;
    while (src[n] && n + 1 < cap) {
        dst[n] = src[n];
        n++;
    }
    dst[n] = 0;
}

static const char *json_string(const char *p, char *out, size_t cap) {
    size_t n = 0;
    if (*p != '"') return NULL;
    p++;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\' && *p) {
            c = *p++;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
        }
        if (n + 1 < cap) out[n++] = c;
    }
    out[n] = 0;
    return *p == '"' ? p + 1 : NULL;
}

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    return p;
}

static void set_program_arguments(const char *cmdline) {
    char copy[512];
    copy_text(copy, sizeof copy, cmdline);
    char *save = NULL;
    char *word = strtok_r(copy, " ", &save);
    if (word) copy_text(program, sizeof program, word);
    while ((word = strtok_r(NULL, " ", &save)) != NULL) {
        char *value = strtok_r(NULL, " ", &save);
        if (!value) break;
        if (strcmp(word, "--records") == 0) records = atoi(value);
        if (strcmp(word, "--exit") == 0) exit_code = atoi(value);
    }
}

/* Parses {"key":"value" | {...}, ...}; calls back for top-level strings and for members of "net". */
static int parse_config(const char *p) {
    char key[64], value[512], inner_key[64];
    p = skip_space(p);
    if (*p++ != '{') return -1;
    while (1) {
        p = skip_space(p);
        if (*p == '}') return 0;
        if (!(p = json_string(p, key, sizeof key))) return -1;
        p = skip_space(p);
        if (*p++ != ':') return -1;
        p = skip_space(p);
        if (*p == '{') {
            p++;
            while (1) {
                p = skip_space(p);
                if (*p == '}') { p++; break; }
                if (!(p = json_string(p, inner_key, sizeof inner_key))) return -1;
                p = skip_space(p);
                if (*p++ != ':') return -1;
                if (!(p = json_string(skip_space(p), value, sizeof value))) return -1;
                if (strcmp(key, "net") == 0) {
                    if (strcmp(inner_key, "addr") == 0) copy_text(net_addr, sizeof net_addr, value);
                    if (strcmp(inner_key, "mask") == 0) copy_text(net_mask, sizeof net_mask, value);
                    if (strcmp(inner_key, "gw") == 0) copy_text(net_gw, sizeof net_gw, value);
                }
                p = skip_space(p);
                if (*p == ',') p++;
            }
        } else {
            if (!(p = json_string(p, value, sizeof value))) return -1;
            if (strcmp(key, "env") == 0) putenv(strdup(value));
            if (strcmp(key, "cmdline") == 0) set_program_arguments(value);
        }
        p = skip_space(p);
        if (*p == ',') p++;
    }
}

/* ---- network ---- */

static void load_modules(void) {
    for (size_t i = 0; i < sizeof MODULES / sizeof MODULES[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/modules/%s.ko", MODULES[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue; /* built into this kernel */
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
            say("standin: loading %s failed: %s\n", MODULES[i], strerror(errno));
        }
        close(fd);
    }
}

static void set_address(int s, const char *ifname, unsigned long request, const char *address) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, address, &sin->sin_addr);
    if (ioctl(s, request, &ifr) != 0) fail("set an interface address");
}

static void bring_up(int s, const char *ifname) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) fail("read interface flags");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) fail("bring an interface up");
}

static void configure_network(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) fail("open a socket");
    bring_up(s, "lo");
    if (!net_addr[0]) {
        say("standin: no net block in the configuration, console only\n");
        close(s);
        return;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
    for (int tries = 0; ioctl(s, SIOCGIFINDEX, &ifr) != 0; tries++) {
        if (tries > 500) fail("find eth0 (virtio-net)");
        usleep(10000);
    }
    set_address(s, "eth0", SIOCSIFADDR, net_addr);
    int prefix = atoi(net_mask);
    struct in_addr mask = { htonl(prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix)) };
    set_address(s, "eth0", SIOCSIFNETMASK, inet_ntoa(mask));
    bring_up(s, "eth0");
    if (net_gw[0]) {
        struct rtentry rt;
        memset(&rt, 0, sizeof rt);
        ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
        ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
        struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
        gw->sin_family = AF_INET;
        inet_pton(AF_INET, net_gw, &gw->sin_addr);
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        if (ioctl(s, SIOCADDRT, &rt) != 0 && errno != EEXIST) fail("add the default route");
    }
    close(s);
    say("standin: network up: eth0 %s/%s via %s\n", net_addr, net_mask, net_gw);
}

/* ---- logging ---- */

static void send_over(umon_transport transport, const char *address, const char *label) {
    umon_config config;
    memset(&config, 0, sizeof config);
    config.transport = transport;
    config.address = address;
    config.name = getenv("UMONITOR_NAME");
    config.token = getenv("UMONITOR_TOKEN");
    config.logger = "standin";
    config.console_fd = 1;
    config.flush_timeout_ms = 5000;
    char error[256] = "";
    umon_client *client = umon_client_open(&config, error, sizeof error);
    if (!client) {
        say("standin: %s client: %s\n", label, error);
        return;
    }
    for (int i = 0; i < records; i++) {
        umon_attr attrs[] = { UMON_A_STR("transport", label), UMON_A_I64("arg.index", i) };
        umon_client_log(client, i + 1 == records ? UMON_WARN : UMON_INFO, NULL, attrs, 2, "%s record %d of %d",
                        label, i, records);
    }
    umon_stats stats;
    umon_client_stats(client, &stats);
    int closed = umon_client_close(client, "exit");
    say("standin: %s: %llu records produced, close %s\n", label, (unsigned long long)stats.produced,
        umon_strerror(closed));
}

int main(void) {
    console_on_serial();
    mkdir("/proc", 0755);
    if (mount("proc", "/proc", "proc", 0, NULL) != 0) fail("mount /proc");
    mkdir("/sys", 0755);
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0) fail("mount /sys"); /* where the client looks for fw_cfg */
    char cmdline[4096] = "";
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd < 0) fail("open /proc/cmdline");
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    close(fd);
    cmdline[n > 0 ? n : 0] = 0;
    const char *json = strchr(cmdline, '{');
    if (!json || parse_config(json) != 0) {
        say("=== bootstrap failed: no valid rumprun JSON configuration on the command line: %s\n", cmdline);
        say("halted\n");
        idle_forever();
    }
    load_modules();
    configure_network();

    say("=== calling \"%s\" main() ===\n", program);
    send_over(UMON_TRANSPORT_CONSOLE, NULL, "console");
    if (getenv("UMONITOR_UDP")) send_over(UMON_TRANSPORT_UDP, getenv("UMONITOR_UDP"), "udp");
    if (getenv("UMONITOR_TCP")) send_over(UMON_TRANSPORT_TCP, getenv("UMONITOR_TCP"), "tcp");
    say("=== main() of \"%s\" returned %d ===\n", program, exit_code);
    say("=== _exit(%d) called ===\n", exit_code);
    say("halted\n");
    idle_forever();
    return 0;
}
