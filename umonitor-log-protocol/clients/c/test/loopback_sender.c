/* Sends a known set of records through the process-wide client, configured from the environment as
 * umonitor's process backend does (UMONITOR_NAME, UMONITOR_TOKEN, UMONITOR_TCP or UMONITOR_UDP; the
 * console encoding on stdout when neither is set). CClientLoopbackIT runs it and checks that every
 * record arrives intact and in order; keep the two in step.
 *
 *   loopback_sender COUNT      exit status 0 when every record was handed to the transport
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "umonitor_log.h"

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 10;
    int i, rc;
    umon_stats stats;
    if (umon_init_from_env() != UMON_OK) {
        fprintf(stderr, "%s\n", umon_init_error());
        return 2;
    }
    for (i = 0; i < count; i++) {
        uint8_t bytes[3];
        char text[64];
        umon_attr attrs[8];
        bytes[0] = (uint8_t)i;
        bytes[1] = 0x00;
        bytes[2] = 0xff;
        snprintf(text, sizeof text, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 %d", i);  /* "ключ %d" */
        attrs[0] = UMON_A_STR("function", "main");
        attrs[1] = UMON_A_NULL("arg.ptr");
        attrs[2] = UMON_A_I64("i", -(int64_t)i * 1000000007);
        attrs[3] = UMON_A_U64("u", UINT64_MAX - (uint64_t)i);
        attrs[4] = UMON_A_F64("f", i + 0.25);
        attrs[5] = UMON_A_BOOL("b", i % 2);
        attrs[6] = UMON_A_BYTES("bytes", bytes, 3);
        attrs[7] = UMON_A_STR("text", text);
        /* ordinary console output between records must stay ordinary text */
        printf("plain text %d\n", i);
        rc = send_log_attrs((umon_level)(1 + i % 6), attrs, 8,
                            "record %d: gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x9a\x80", i);
        if (rc != UMON_OK)
            fprintf(stderr, "record %d: %s\n", i, umon_strerror(rc));
    }
    umon_client_stats(umon_default_client(), &stats);
    rc = umon_shutdown("done");
    fprintf(stderr, "loopback_sender: produced %llu dropped %llu, shutdown %s\n",
            (unsigned long long)stats.produced, (unsigned long long)stats.dropped, umon_strerror(rc));
    return rc == UMON_OK && stats.dropped == 0 ? 0 : 1;
}
