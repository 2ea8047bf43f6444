/*
 * Sample guests for `umonitor demo`: small programs that log the way unikernel applications do, linked
 * with umonitor's C client and run by the process backend (the embedded default). One program, four
 * roles chosen by argv[1], so the demo compiles once.
 *
 *   sensor   periodic readings at DEBUG/INFO, a WARN when a threshold is crossed
 *   web      request handling with function and argument attributes, an ERROR for a bad request
 *   crashy   logs, reports a NULL argument, then aborts (SIGABRT): umonitor restarts it
 *   console  no network at all: plain console text plus records in the console encoding
 */
#include "umonitor_log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int run_sensor(int rounds) {
    double celsius = 21.0;
    for (int i = 0; i < rounds; i++) {
        celsius += (double)(rand() % 21 - 8) / 10.0;
        UMON_ATTR_LOG(UMON_DEBUG, "sampled sensor", UMON_A_I64("arg.round", i), UMON_A_F64("arg.celsius", celsius));
        if (celsius > 23.0) {
            UMON_ATTR_LOG(UMON_WARN, "temperature above 23.0 C", UMON_A_F64("celsius", celsius));
        } else {
            send_log(UMON_INFO, "temperature %.1f C", celsius);
        }
        pause_ms(250);
    }
    return 0;
}

static int handle_request(const char *path, int user) {
    if (user == 0) {
        UMON_ATTR_LOG(UMON_ERROR, "division by zero avoided: request has no user",
                      UMON_A_STR("error.kind", "division_by_zero"), UMON_A_STR("arg.path", path),
                      UMON_A_I64("arg.user", user));
        return 400;
    }
    UMON_ATTR_LOG(UMON_INFO, "handled request", UMON_A_STR("arg.path", path), UMON_A_I64("arg.user", user),
                  UMON_A_I64("status", 200), UMON_A_I64("quota", 1000 / user));
    return 200;
}

static int run_web(int rounds) {
    static const char *paths[] = { "/", "/invoke/resize", "/metrics", "/invoke/thumbnail" };
    send_log(UMON_INFO, "listening on port 8080");
    for (int i = 0; i < rounds; i++) {
        handle_request(paths[i % 4], i % 7);
        pause_ms(180);
    }
    return 0;
}

static void copy_name(char *out, const char *in) {
    if (in == NULL) {
        UMON_ATTR_LOG(UMON_WARN, "NULL pointer passed", UMON_A_STR("error.kind", "null_argument"),
                      UMON_A_NULL("arg.in"), UMON_A_STR("stack", "copy_name\nload_config\nmain"));
        return;
    }
    strcpy(out, in);
}

static int run_crashy(void) {
    char name[32];
    send_log(UMON_INFO, "loading configuration");
    pause_ms(400);
    copy_name(name, NULL);
    pause_ms(400);
    UMON_LOG(UMON_FATAL, "configuration is corrupt, aborting");
    umon_shutdown("abort");
    abort();
}

static int run_console(int rounds) {
    umon_config config;
    memset(&config, 0, sizeof config);
    config.transport = UMON_TRANSPORT_CONSOLE;
    config.name = getenv("UMONITOR_NAME") ? getenv("UMONITOR_NAME") : "console";
    if (umon_init(&config) != UMON_OK) {
        fprintf(stderr, "umon_init: %s\n", umon_init_error());
        return 1;
    }
    for (int i = 0; i < rounds; i++) {
        printf("plain console line %d from a guest without a network\n", i);
        fflush(stdout);
        send_log(UMON_INFO, "structured record %d over the console", i);
        pause_ms(300);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *role = argc > 1 ? argv[1] : "sensor";
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(role, "console") == 0) {
        return run_console(rounds);
    }
    if (umon_init_from_env() != UMON_OK) {
        fprintf(stderr, "umon_init_from_env: %s\n", umon_init_error());
        return 1;
    }
    printf("%s guest starting\n", role);
    int status = 0;
    if (strcmp(role, "web") == 0) {
        status = run_web(rounds);
    } else if (strcmp(role, "crashy") == 0) {
        status = run_crashy();
    } else {
        status = run_sensor(rounds);
    }
    umon_shutdown("exit");
    return status;
}
