/* The fw_cfg reader against a simulated device: the directory walk, names at the 56-byte limit, files
 * that are missing or too long, no device, and a device whose directory count lies. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "umonitor_fwcfg.h"

#define MAX_FILES 8

static struct {
    int present;
    uint32_t claimed_count; /* what the directory says; 0 = the real number */
    unsigned files;
    char names[MAX_FILES][57];
    const char *contents[MAX_FILES];
} device;

static uint8_t data[4 + 64 * MAX_FILES + 256];
static size_t data_len, position;
static unsigned selects;

static void put_be(uint8_t *p, uint32_t v, unsigned bytes)
{
    while (bytes--)
        *p++ = (uint8_t)(v >> (8 * bytes));
}

void umon_fwcfg_simulated_select(uint16_t key);
uint8_t umon_fwcfg_simulated_read(void);

void umon_fwcfg_simulated_select(uint16_t key)
{
    unsigned i;
    selects++;
    position = 0;
    data_len = 0;
    if (!device.present)
        return;
    if (key == 0x0000) {
        memcpy(data, "QEMU", 4);
        data_len = 4;
    } else if (key == 0x0019) {
        put_be(data, device.claimed_count ? device.claimed_count : device.files, 4);
        for (i = 0; i < device.files; i++) {
            uint8_t *e = data + 4 + 64 * i;
            memset(e, 0, 64);
            put_be(e, (uint32_t)strlen(device.contents[i]), 4);
            put_be(e + 4, 0x20 + i, 2);
            memcpy(e + 8, device.names[i], strlen(device.names[i]) < 56 ? strlen(device.names[i]) : 56);
        }
        data_len = 4 + 64 * device.files;
    } else if (key >= 0x20 && key < 0x20 + device.files) {
        data_len = strlen(device.contents[key - 0x20]);
        memcpy(data, device.contents[key - 0x20], data_len);
    }
}

/* Past its end an item reads as zeros, as QEMU's does. */
uint8_t umon_fwcfg_simulated_read(void)
{
    return position < data_len ? data[position++] : 0;
}

static void add_file(const char *name, const char *content)
{
    strncpy(device.names[device.files], name, 56);
    device.names[device.files][56] = '\0';
    device.contents[device.files++] = content;
}

int main(void)
{
    char buf[64];
    char long_name[57];

    CHECK_EQ_LONG(umon_fwcfg_token(buf, sizeof buf), UMON_FWCFG_NO_DEVICE);
    CHECK(buf[0] == '\0');

    device.present = 1;
    CHECK_EQ_LONG(umon_fwcfg_token(buf, sizeof buf), UMON_FWCFG_NO_FILE);

    add_file("etc/boot-menu-wait", "xx");
    add_file("opt/io.umonitor/tokenX", "not this one");
    add_file("opt/io.umonitor/token", "0123456789abcdef0123456789abcdef\n");
    CHECK_EQ_LONG(umon_fwcfg_token(buf, sizeof buf), 32);
    CHECK(strcmp(buf, "0123456789abcdef0123456789abcdef") == 0); /* the newline a hand-written file ends with */
    CHECK_EQ_LONG(umon_fwcfg_read_file("etc/boot-menu-wait", buf, sizeof buf), 2);

    CHECK_EQ_LONG(umon_fwcfg_token(buf, 20), UMON_FWCFG_TOO_LONG);
    CHECK(buf[0] == '\0');
    CHECK_EQ_LONG(umon_fwcfg_token(buf, 0), UMON_FWCFG_TOO_LONG);

    /* A name that fills all 56 bytes has no NUL in the directory; it still matches exactly. */
    memset(long_name, 'n', 56);
    long_name[56] = '\0';
    add_file(long_name, "long");
    CHECK_EQ_LONG(umon_fwcfg_read_file(long_name, buf, sizeof buf), 4);
    long_name[55] = '\0';
    CHECK_EQ_LONG(umon_fwcfg_read_file(long_name, buf, sizeof buf), UMON_FWCFG_NO_FILE);

    /* A directory claiming 4 billion entries ends the walk at the selector space, not never. */
    device.claimed_count = 0xffffffffu;
    selects = 0;
    CHECK_EQ_LONG(umon_fwcfg_read_file("opt/absent", buf, sizeof buf), UMON_FWCFG_NO_FILE);
    CHECK_EQ_LONG(selects, 2); /* signature, directory: then nothing is read that was not asked for */

    return check_report("test_fwcfg");
}
