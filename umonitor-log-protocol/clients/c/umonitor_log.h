/*
 * umonitor_log.h - the C99 send_log client of the umonitor log protocol, version 1.
 *
 * The wire format is specified in umonitor-log-protocol/PROTOCOL.md. This header has two layers:
 *
 *  1. The encoder (umon_encode_*, umon_crc32, umon_base64_encode, umon_console_line): pure functions
 *     over caller-provided buffers, no allocation, no I/O. Usable on their own.
 *  2. The client (umon_client_*, and the process-wide send_log()/umon_init() on top of it): numbers
 *     records, keeps them in a bounded buffer and hands them to a transport without blocking.
 *
 * Quick start, with the variables umonitor sets for a process guest (UMONITOR_NAME, UMONITOR_TOKEN,
 * UMONITOR_TCP or UMONITOR_UDP):
 *
 *     umon_init_from_env();
 *     send_log(UMON_INFO, "listening on port %d", port);
 *     UMON_ATTR_LOG(UMON_WARN, "null argument",
 *                   UMON_A_STR("error.kind", "null_argument"), UMON_A_NULL("arg.buf"));
 *     umon_shutdown("exit");           (also done by atexit)
 *
 * Thread safety: every umon_client_* call on one client may come from any thread at the same time;
 * a mutex guards the buffer, the sequence counter and the socket (build with -DUMON_NO_THREADS for
 * single-threaded targets without pthreads). Formatting happens outside the lock. umon_init(),
 * umon_init_from_env() and umon_shutdown() must not race with each other. With the background
 * thread (flush_interval_ms), a TCP or UDP log call only encodes into the buffer and the thread sends
 * (woken by the call when it was idle, then every 1 ms while records wait, at once when half the
 * buffer waits). Without it, every log call sends, and records that could not leave at once go out on
 * a later log call, umon_client_poll() or flush.
 *
 * ERROR and FATAL records (config->sync_level) are sent before the log call returns, and a fatal
 * signal handler sends what is buffered (see umon_crash_flush()), so a crash does not take the last
 * records with it.
 *
 * Never blocks, never crashes on network errors: records that do not fit in the buffer are dropped,
 * counted, and still consume a sequence number (PROTOCOL.md section 7); SIGPIPE is suppressed
 * (MSG_NOSIGNAL); a lost TCP connection is re-established with exponential backoff and a new HELLO
 * carrying the same session. The console transport writes synchronously (a console is a local device).
 *
 * Build switches: -DUMON_NO_THREADS (no pthread mutex), -DUMON_NO_POSIX (no sockets, files or
 * POSIX clocks: for Solo5 and other freestanding targets; supply clock_ns and a datagram_send or
 * console_write callback, see umonitor_solo5.c).
 */
#ifndef UMONITOR_LOG_H
#define UMONITOR_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define UMON_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define UMON_PRINTF(fmt_index, first_arg)
#endif

#define UMON_CLIENT_NAME "umonitor-c"
#define UMON_CLIENT_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------------- */
/* Protocol constants (PROTOCOL.md sections 3 and 4)                                              */
/* ---------------------------------------------------------------------------------------------- */

#define UMON_PROTOCOL_VERSION 1u
#define UMON_FRAME_HELLO 0x01u
#define UMON_FRAME_RECORD 0x02u
#define UMON_FRAME_GOODBYE 0x03u
#define UMON_HEADER_SIZE 8u
#define UMON_FRAME_OVERHEAD 12u          /* header + CRC-32 */
#define UMON_MAX_FRAME 65535u            /* no sender may exceed this */
#define UMON_CONSOLE_MAX_FRAME 4096u     /* every console receiver accepts this much */
#define UMON_UDP_MAX_PAYLOAD 65507u
#define UMON_UDP_ETHERNET_PAYLOAD 1472u  /* stays under a 1500-byte Ethernet MTU */
#define UMON_CONSOLE_MARKER "@UM1:"

typedef enum umon_level {
    UMON_TRACE = 1,
    UMON_DEBUG = 2,
    UMON_INFO = 3,
    UMON_WARN = 4,
    UMON_ERROR = 5,
    UMON_FATAL = 6
} umon_level;

/* The values are the RECORD flags byte. */
typedef enum umon_clock {
    UMON_CLOCK_WALL = 0,       /* nanoseconds since 1970-01-01T00:00:00Z */
    UMON_CLOCK_MONOTONIC = 1,  /* nanoseconds since the guest booted */
    UMON_CLOCK_NONE = 2        /* no timestamp; 0 is sent */
} umon_clock;

typedef enum umon_attr_type {
    UMON_ATTR_NULL = 0,
    UMON_ATTR_STRING = 1,
    UMON_ATTR_INT64 = 2,
    UMON_ATTR_UINT64 = 3,
    UMON_ATTR_FLOAT64 = 4,
    UMON_ATTR_BOOL = 5,
    UMON_ATTR_BYTES = 6
} umon_attr_type;

/* Error codes; every function that can fail returns one of these (negative) or UMON_OK. */
enum {
    UMON_OK = 0,
    UMON_E_INVALID = -1,      /* an argument breaks the protocol's rules (level, name, empty key...) */
    UMON_E_TOO_LONG = -2,     /* the frame cannot fit in the space or frame limit given */
    UMON_E_FULL = -3,         /* the buffer was full: the record was dropped and counted */
    UMON_E_ADDRESS = -4,      /* the collector address cannot be parsed or resolved */
    UMON_E_SYSTEM = -5,       /* the operating system refused (socket, memory); see errno */
    UMON_E_CLOSED = -6,       /* the client is not initialised or already shut down */
    UMON_E_UNSUPPORTED = -7,  /* transport not compiled in (UMON_NO_POSIX) */
    UMON_E_TIMEOUT = -8       /* a flush ended before everything was handed to the transport */
};

/* Human-readable name of an error code above. */
const char *umon_strerror(int code);

/* ---------------------------------------------------------------------------------------------- */
/* Encoder                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

/* Text with an explicit length (protocol strings may contain NUL). len == UMON_STRLEN means ptr is
 * NUL-terminated; ptr == NULL is the empty string. */
#define UMON_STRLEN ((size_t)-1)
typedef struct umon_str {
    const char *ptr;
    size_t len;
} umon_str;
#define UMON_S(cstr) ((umon_str){ (cstr), UMON_STRLEN })

typedef struct umon_attr {
    umon_str key;               /* 1..255 bytes */
    umon_attr_type type;
    union {
        umon_str str;           /* STRING; a NULL ptr is sent as type NULL */
        int64_t i64;            /* INT64 */
        uint64_t u64;           /* UINT64 */
        double f64;             /* FLOAT64 */
        int boolean;            /* BOOL: 0 false, anything else true */
        struct {
            const void *ptr;
            size_t len;
        } bytes;                /* BYTES */
    } value;
} umon_attr;

/* Attribute constructors (compound literals: valid for the enclosing block). */
#define UMON_A_NULL(k) ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_NULL, { .u64 = 0 } })
#define UMON_A_STR(k, s) ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_STRING, { .str = { (s), UMON_STRLEN } } })
#define UMON_A_I64(k, x) ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_INT64, { .i64 = (int64_t)(x) } })
#define UMON_A_U64(k, x) ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_UINT64, { .u64 = (uint64_t)(x) } })
#define UMON_A_F64(k, x) ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_FLOAT64, { .f64 = (double)(x) } })
#define UMON_A_BOOL(k, x) ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_BOOL, { .boolean = (x) ? 1 : 0 } })
#define UMON_A_BYTES(k, p, n) \
    ((umon_attr){ { (k), UMON_STRLEN }, UMON_ATTR_BYTES, { .bytes = { (const void *)(p), (size_t)(n) } } })
#define UMON_A_PTR(k, p) UMON_A_U64(k, (uintptr_t)(const void *)(p))

typedef struct umon_hello {
    umon_str name;              /* 1..63 of [A-Za-z0-9._-], starting with a letter or digit */
    umon_str token;             /* 0..255 bytes */
    umon_str client_name;       /* 0..255 bytes */
    umon_str client_version;    /* 0..255 bytes */
    uint64_t session;
} umon_hello;

typedef struct umon_record {
    uint64_t sequence;
    umon_clock clock;
    int64_t timestamp;          /* ignored (0 is sent) when clock is UMON_CLOCK_NONE */
    umon_level level;
    umon_str logger;            /* truncated to 255 bytes */
    umon_str message;           /* truncated to what fits in the frame */
    const umon_attr *attrs;
    size_t attr_count;          /* at most 65535 */
} umon_record;

typedef struct umon_goodbye {
    uint64_t produced;
    uint64_t dropped;
    umon_str reason;            /* truncated to 255 bytes */
} umon_goodbye;

/*
 * Each encoder writes one complete frame (header, body, CRC-32) to out and returns its length, or a
 * negative error code. With out == NULL nothing is written and the length is returned. The frame is
 * never longer than min(cap, UMON_MAX_FRAME).
 *
 * Text is made protocol-safe rather than rejected: ill-formed UTF-8 is replaced by U+FFFD, and text
 * longer than its field is cut at a character boundary. A record message is cut so that the frame
 * fits; UMON_E_TOO_LONG only when the frame cannot fit even with an empty message. The HELLO name
 * is the exception: it is checked (UMON_E_INVALID), since a receiver rejects a bad one.
 */
long umon_encode_hello(uint8_t *out, size_t cap, const umon_hello *hello);
long umon_encode_record(uint8_t *out, size_t cap, const umon_record *record);
long umon_encode_goodbye(uint8_t *out, size_t cap, const umon_goodbye *goodbye);

/* 1 when name is a valid unikernel name (section 4.1), else 0. */
int umon_valid_name(const char *name, size_t len);

/* CRC-32/ISO-HDLC, zlib style: start with crc = 0, feed data in pieces. */
uint32_t umon_crc32(uint32_t crc, const void *data, size_t len);

/* RFC 4648 base64 with padding. Returns the encoded length (4 * ceil(len / 3)); writes it plus a
 * terminating NUL to out when cap is larger than that, otherwise writes nothing. */
size_t umon_base64_encode(char *out, size_t cap, const uint8_t *in, size_t len);

/* The console line "@UM1:<base64>\n" for one frame, NUL-terminated. Returns its length without the
 * NUL, or UMON_E_TOO_LONG when cap is too small (nothing written then). */
long umon_console_line(char *out, size_t cap, const uint8_t *frame, size_t frame_len);

/* ---------------------------------------------------------------------------------------------- */
/* Client                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

typedef enum umon_transport {
    UMON_TRANSPORT_TCP = 1,
    UMON_TRANSPORT_UDP = 2,
    UMON_TRANSPORT_CONSOLE = 3
} umon_transport;

/* A zeroed umon_config plus transport, address and name is a complete configuration. */
typedef struct umon_config {
    umon_transport transport;
    const char *address;        /* "host:port" or "[v6addr]:port"; TCP and socket UDP */
    const char *name;           /* the unikernel's name, see umon_valid_name() */
    const char *token;          /* NULL or "" when the collector accepts unauthenticated senders */
    const char *logger;         /* logger name for send_log(); NULL = empty */
    uint64_t session;           /* 0 = random */
    size_t buffer_size;         /* bytes of frames waiting to be sent; 0 = 64 KiB */
    size_t max_frame;           /* record frame limit; 0 = 16 KiB TCP, 4096 console, datagram for UDP */
    size_t udp_max_datagram;    /* 0 = UMON_UDP_ETHERNET_PAYLOAD */
    int blocking;               /* nonzero: wait (up to flush_timeout_ms) instead of dropping */
    unsigned flush_timeout_ms;  /* shutdown and blocking-mode wait; 0 = 2000 */
    unsigned reconnect_min_ms;  /* first TCP reconnect delay; 0 = 100, doubled up to the max */
    unsigned reconnect_max_ms;  /* 0 = 5000 */
    unsigned connect_wait_ms;   /* TCP: how long opening waits for the first connection; 0 = 200 */
    /* POSIX builds with threads: when > 0, a background thread sends the TCP and UDP records (log
     * calls then make no system call), within about 1 ms while records wait; this is its sleep when
     * nothing waits or a TCP reconnect is not due yet. 0 = no thread, each log call sends;
     * umon_init_from_env() uses 100. */
    unsigned flush_interval_ms;

    /* Console: lines go to console_write when set, else to console_fd (0 = standard output). */
    void (*console_write)(const char *buf, size_t len);  /* e.g. solo5_console_write */
    int console_fd;

    /* UDP without sockets (Solo5): called with one complete datagram payload. Return 0 when sent,
     * UMON_E_FULL to retry later, another negative code to drop the datagram. */
    int (*datagram_send)(void *ctx, const uint8_t *payload, size_t len);
    void *datagram_ctx;

    /* Timestamps: clock_ns returns nanoseconds of clock_kind. NULL = the POSIX clock of clock_kind
     * (CLOCK_REALTIME or CLOCK_MONOTONIC); with UMON_NO_POSIX, NULL means UMON_CLOCK_NONE. */
    int64_t (*clock_ns)(void);
    umon_clock clock_kind;

    /* Freestanding targets (UMON_NO_POSIX) only: how flush and shutdown measure their timeout and
     * pause between attempts (Solo5: solo5_clock_monotonic, solo5_yield). Without monotonic_ms a
     * timeout counts 1000 attempts instead; without wait_ms attempts follow each other at once. */
    uint64_t (*monotonic_ms)(void);
    void (*wait_ms)(unsigned ms);

    /* Records at or above this level are handed to the transport before the log call returns, so a
     * crash right after logging them cannot lose them: the call waits up to sync_timeout_ms (0 = 200)
     * for the transport, but never for a TCP reconnect that is not due by then. 0 = UMON_ERROR;
     * UMON_SYNC_NEVER leaves every record to the background thread or a later call. */
    int sync_level;
    unsigned sync_timeout_ms;
    /* umon_init() only: nonzero installs no fatal-signal handler (see umon_crash_flush()). */
    int no_crash_handler;
} umon_config;

#define UMON_SYNC_NEVER 7

typedef struct umon_stats {
    uint64_t produced;          /* records logged (= next sequence number) */
    uint64_t sent;              /* records handed completely to the transport */
    uint64_t dropped;           /* records the client dropped (buffer full, too long, lost mid-send) */
    uint64_t pending;           /* records waiting in the buffer */
    uint64_t connects;          /* successful TCP connections (1 + reconnects) */
} umon_stats;

typedef struct umon_client umon_client;

/* Creates a client. On failure returns NULL and, when errmsg is given, a sentence naming the input,
 * its value and the fix. TCP connects in the background: the first records wait in the buffer. */
umon_client *umon_client_open(const umon_config *config, char *errmsg, size_t errmsg_size);

/* Logs one record: message from fmt (printf), attributes in order, logger NULL = the configured
 * one. Returns UMON_OK when buffered, UMON_E_FULL (dropped), UMON_E_INVALID (bad level or key;
 * dropped), UMON_E_TOO_LONG (attributes too large for a frame; dropped) or UMON_E_CLOSED. */
int umon_client_log(umon_client *client, umon_level level, const char *logger,
                    const umon_attr *attrs, size_t attr_count, const char *fmt, ...) UMON_PRINTF(6, 7);
int umon_client_vlog(umon_client *client, umon_level level, const char *logger,
                     const umon_attr *attrs, size_t attr_count, const char *fmt, va_list ap);
/* Logs a record that is already formatted (message with explicit length, may contain NUL). */
int umon_client_log_record(umon_client *client, umon_level level, umon_str logger, umon_str message,
                           const umon_attr *attrs, size_t attr_count);

/* Tries to send what is buffered without blocking (also done by every log call without the flusher). */
void umon_client_poll(umon_client *client);
/* Waits up to timeout_ms until the buffer is empty; UMON_OK or UMON_E_TIMEOUT. */
int umon_client_flush(umon_client *client, unsigned timeout_ms);
void umon_client_stats(umon_client *client, umon_stats *stats);
/* Sends GOODBYE (produced, dropped, reason), flushes up to flush_timeout_ms, closes and frees.
 * Returns UMON_OK when everything including the GOODBYE was handed over, else UMON_E_TIMEOUT. */
int umon_client_close(umon_client *client, const char *reason);

/* ---------------------------------------------------------------------------------------------- */
/* Process-wide client: send_log()                                                                */
/* ---------------------------------------------------------------------------------------------- */

/* Opens the process-wide client (closing a previous one) and registers an atexit handler that sends
 * GOODBYE "exit". Returns UMON_OK or an error code; umon_init_error() then says why. */
int umon_init(const umon_config *config);
/* umon_init() from UMONITOR_NAME, UMONITOR_TOKEN and UMONITOR_TCP or UMONITOR_UDP (host:port; TCP
 * wins when both are set); neither set means the console encoding on standard output.
 * UMONITOR_SYNC_LEVEL (TRACE ... FATAL, or NEVER) sets sync_level. Starts the background flush
 * thread (flush_interval_ms 100) where threads exist. On failure (UMONITOR_NAME missing, a bad
 * address) umon_init_error() is also printed on standard error, once per distinct message. */
int umon_init_from_env(void);
const char *umon_init_error(void);
/* The process-wide client, or NULL. */
umon_client *umon_default_client(void);
/* Closes the process-wide client with GOODBYE reason; later send_log() calls return UMON_E_CLOSED. */
int umon_shutdown(const char *reason);

/*
 * Crash safety of the process-wide client (POSIX builds). umon_init() installs a handler for SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE and SIGABRT (unless config->no_crash_handler) that hands what is buffered to
 * the transport using async-signal-safe calls only, then puts back the handler that was there before
 * (the program's own, or the default) and lets the signal take its course: the program's handler runs
 * and the exit status is the same as without umonitor. When the signal's previous disposition was the
 * default, the process is about to die and a GOODBYE "crashed: SIGSEGV" (etc.) follows the records.
 * Together with sync_level (ERROR and FATAL leave before send_log() returns) and the atexit GOODBYE,
 * only SIGKILL, _exit() and power loss can lose records still waiting in the buffer.
 *
 * A program that installs its own handler for these signals after umon_init() replaces the client's;
 * it can call umon_crash_flush() from that handler. Async-signal-safe; sends no GOODBYE (the
 * program may survive the signal). Returns UMON_OK when everything buffered was handed over.
 */
int umon_crash_flush(void);

/* Logs through the process-wide client; returns like umon_client_log(), UMON_E_CLOSED before init. */
int send_log(umon_level level, const char *fmt, ...) UMON_PRINTF(2, 3);
int send_log_attrs(umon_level level, const umon_attr *attrs, size_t attr_count, const char *fmt, ...)
    UMON_PRINTF(4, 5);
/* Adds the conventional function, file and line attributes before the given ones. */
int umon_log_at(umon_level level, const char *function, const char *file, int line,
                const umon_attr *attrs, size_t attr_count, const char *fmt, ...) UMON_PRINTF(7, 8);

/* send_log with source location: UMON_LOG(UMON_INFO, "x=%d", x) */
#define UMON_LOG(level, ...) umon_log_at((level), __func__, __FILE__, __LINE__, NULL, 0, __VA_ARGS__)
/* send_log with attributes and source location: UMON_ATTR_LOG(UMON_WARN, "msg", UMON_A_I64("n", n)) */
#define UMON_ATTR_LOG(level, message, ...)                                                        \
    umon_log_at((level), __func__, __FILE__, __LINE__, (const umon_attr[]){ __VA_ARGS__ },        \
                sizeof((const umon_attr[]){ __VA_ARGS__ }) / sizeof(umon_attr), "%s", (message))

/* ---------------------------------------------------------------------------------------------- */
/* Automatic function tracing (umonitor_trace.c, build/libumonitor-trace.a)                       */
/* ---------------------------------------------------------------------------------------------- */

/*
 * Compile the program with -finstrument-functions and link libumonitor-trace.a before
 * libumonitor-log.a: every function entry and exit becomes a TRACE record on the process-wide client
 * (opened from the environment on the first call if the program did not call umon_init), logger
 * "trace", message "enter" or "exit", attributes
 *   trace.event STRING enter|exit, trace.fn UINT64, trace.caller UINT64, trace.depth INT64, and
 *   trace.thread UINT64 (1, 2, ... in the order threads first make a traced call; depth is per thread).
 * Addresses are relative to the image's start (the linker symbol __executable_start, which moves
 * with a PIE's load address); where that symbol does not exist they are absolute. A host adds the
 * symbol's value from the ELF file to get link-time addresses (io.umonitor.protocol.trace).
 *
 * Cheap exclusion at compile time: -finstrument-functions-exclude-file-list=... and
 * -finstrument-functions-exclude-function-list=... (GCC). At run time:
 */
/* Stops tracing calls of the function at this address (cast the function: (uintptr_t)fn). Its
 * callees are still traced. Up to 64 exclusions; returns UMON_OK or UMON_E_FULL. */
int umon_trace_exclude_address(uintptr_t function_address);
/* Per-thread limit of trace records per second (0 = unlimited; default 20000, or UMONITOR_TRACE_RATE).
 * Over the limit whole calls are skipped, enter and exit together, so the call tree stays consistent. */
void umon_trace_set_rate(unsigned records_per_second);
/* Calls deeper than this are not traced (0 = unlimited, the default; or UMONITOR_TRACE_MAX_DEPTH). */
void umon_trace_set_max_depth(unsigned depth);
/* Tracing on (1, the default) or off (0) for the whole process. */
void umon_trace_enable(int on);
/* Trace records skipped by the rate limit, over all threads. */
uint64_t umon_trace_skipped(void);

#ifdef __cplusplus
}
#endif

#endif /* UMONITOR_LOG_H */
