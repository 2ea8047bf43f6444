/*
 * umonitor_fwcfg.c - see umonitor_fwcfg.h. Written from QEMU's docs/specs/fw_cfg.rst (legacy
 * I/O-port interface, no DMA: a few dozen bytes do not need it).
 */
#if defined(__linux__) && !defined(UMON_FREESTANDING) && !defined(UMON_NO_POSIX) && !defined(UMON_FWCFG_SIMULATED)
/* A Linux guest's process: the kernel's sysfs view first, else the ports if the ACPI tables announce
 * the device and this process may use them (ioperm); never a port access that would kill an
 * unprivileged process with SIGSEGV or touch another machine's hardware. */
#define FWCFG_LINUX 1
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <fcntl.h>
#include <unistd.h>
#if defined(__i386__) || defined(__x86_64__)
#include <sys/io.h>
#endif
#endif

#include "umonitor_fwcfg.h"

#define FWCFG_PORT_SELECTOR 0x510
#define FWCFG_PORT_DATA 0x511
#define FWCFG_SIGNATURE 0x0000
#define FWCFG_FILE_DIR 0x0019
#define FWCFG_FILE_NAME_SIZE 56

#if defined(UMON_FWCFG_SIMULATED)
/* test/test_fwcfg.c links a simulated device, so the directory walk is tested on any host. */
void umon_fwcfg_simulated_select(uint16_t key);
uint8_t umon_fwcfg_simulated_read(void);
static void select_item(uint16_t key)
{
    umon_fwcfg_simulated_select(key);
}

static uint8_t read_byte(void)
{
    return umon_fwcfg_simulated_read();
}
#define HAVE_PORTS 1
#elif defined(__i386__) || defined(__x86_64__)
static void select_item(uint16_t key)
{
    __asm__ volatile("outw %0, %1" : : "a"(key), "Nd"((uint16_t)FWCFG_PORT_SELECTOR));
}

static uint8_t read_byte(void)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)FWCFG_PORT_DATA));
    return v;
}
#define HAVE_PORTS 1
#else
#define HAVE_PORTS 0
static void select_item(uint16_t key)
{
    (void)key;
}

static uint8_t read_byte(void)
{
    return 0xff;
}
#endif

static uint32_t read_be(unsigned bytes)
{
    uint32_t v = 0;
    while (bytes-- > 0)
        v = v << 8 | read_byte();
    return v;
}

int umon_fwcfg_present(void)
{
    static const char signature[4] = { 'Q', 'E', 'M', 'U' };
    unsigned i;
    if (!HAVE_PORTS)
        return 0;
#if defined(FWCFG_LINUX) && HAVE_PORTS
    /* Only where the firmware announces QEMU's fw_cfg (its ACPI id): a root process on other hardware
     * must not write to a port that belongs to something else. */
    if (access("/sys/bus/acpi/devices/QEMU0002:00", F_OK) != 0 || ioperm(FWCFG_PORT_SELECTOR, 2, 1) != 0)
        return 0;
#endif
    select_item(FWCFG_SIGNATURE);
    for (i = 0; i < sizeof signature; i++)
        if (read_byte() != (uint8_t)signature[i])
            return 0;
    return 1;
}

/* Whether the directory entry's name (NUL-padded, maybe unterminated at 56 bytes) equals name. */
static int name_matches(const char *entry, const char *name)
{
    unsigned i;
    for (i = 0; i < FWCFG_FILE_NAME_SIZE; i++) {
        if (entry[i] != name[i])
            return 0;
        if (entry[i] == '\0')
            return 1;
    }
    return name[i] == '\0';
}

long umon_fwcfg_read_file(const char *name, char *buf, size_t cap)
{
    uint32_t count, i, size = 0;
    uint16_t selector = 0;
    int found = 0;
    if (buf != NULL && cap > 0)
        buf[0] = '\0';
    if (!umon_fwcfg_present())
        return UMON_FWCFG_NO_DEVICE;
    select_item(FWCFG_FILE_DIR);
    count = read_be(4);
    /* A count from the device is not trusted beyond the selector space. */
    if (count > 0x4000)
        count = 0x4000;
    for (i = 0; i < count && !found; i++) {
        char entry[FWCFG_FILE_NAME_SIZE];
        uint32_t entry_size = read_be(4);
        uint16_t entry_selector = (uint16_t)read_be(2);
        unsigned j;
        (void)read_be(2); /* reserved */
        for (j = 0; j < FWCFG_FILE_NAME_SIZE; j++)
            entry[j] = (char)read_byte();
        if (name_matches(entry, name)) {
            found = 1;
            size = entry_size;
            selector = entry_selector;
        }
    }
    if (!found)
        return UMON_FWCFG_NO_FILE;
    if (buf == NULL || cap == 0 || size > cap - 1)
        return UMON_FWCFG_TOO_LONG;
    select_item(selector);
    for (i = 0; i < size; i++)
        buf[i] = (char)read_byte();
    buf[size] = '\0';
    return (long)size;
}

#ifdef FWCFG_LINUX
/* Linux's qemu_fw_cfg driver shows each file at /sys/firmware/qemu_fw_cfg/by_name/NAME/raw (root only). */
static long read_sysfs(const char *name, char *buf, size_t cap)
{
    static const char prefix[] = "/sys/firmware/qemu_fw_cfg/by_name/";
    static const char suffix[] = "/raw";
    char path[sizeof prefix + 64 + sizeof suffix];
    size_t p = 0, i;
    long n = 0;
    int fd;
    ssize_t got;
    for (i = 0; prefix[i]; i++)
        path[p++] = prefix[i];
    for (i = 0; name[i]; i++) {
        if (i >= 64)
            return UMON_FWCFG_NO_FILE;
        path[p++] = name[i];
    }
    for (i = 0; suffix[i]; i++)
        path[p++] = suffix[i];
    path[p] = '\0';
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return UMON_FWCFG_NO_FILE;
    while ((got = read(fd, buf + n, cap - 1 - (size_t)n)) > 0 && (size_t)(n += got) < cap - 1) {
    }
    if ((size_t)n == cap - 1 && read(fd, path, 1) > 0)
        n = UMON_FWCFG_TOO_LONG;
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    else
        buf[0] = '\0';
    return n;
}
#endif

long umon_fwcfg_token(char *buf, size_t cap)
{
    long n = UMON_FWCFG_NO_FILE;
    if (buf == NULL || cap == 0)
        return UMON_FWCFG_TOO_LONG;
#ifdef FWCFG_LINUX
    n = read_sysfs(UMON_FWCFG_TOKEN_FILE, buf, cap);
#endif
    if (n < 0)
        n = umon_fwcfg_read_file(UMON_FWCFG_TOKEN_FILE, buf, cap);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    return n;
}
