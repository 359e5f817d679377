/* Small shared helpers: logging, clocks, a growable byte buffer, path utilities. */
#ifndef MVM_UTIL_H
#define MVM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MVM_AGENT_VERSION "0.1.0"
#define MVM_PROTOCOL 1

/* Log prefix; "mvm-init" as PID 1, "mvm-agent" otherwise. Set once in main(). */
extern const char *mvm_log_prefix;
/* Monotonic milliseconds since the agent process (or PID 1) started. */
int64_t mono_ms(void);
/* Boot clock in ms (CLOCK_BOOTTIME): time since the kernel started, for hello.boot_ms. */
int64_t boot_ms(void);
/* One timestamped line on stderr (the console as PID 1). Never fails. */
void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LOG(...) logf_(__VA_ARGS__)

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

int buf_reserve(buf_t *b, size_t extra);
int buf_put(buf_t *b, const void *p, size_t n);
int buf_puts(buf_t *b, const char *s);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string, escaping control chars, quotes and backslashes. */
int buf_json_str(buf_t *b, const char *s, size_t n);
/* Appends data as a quoted base64 JSON string. */
int buf_json_b64(buf_t *b, const void *data, size_t n);
void buf_free(buf_t *b);

/* Writes everything, retrying on EINTR; for blocking fds only. */
int write_all(int fd, const void *p, size_t n);
/* Reads a whole (small) file into a NUL-terminated malloc'd buffer; max bytes or fail (EFBIG). */
int read_file(const char *path, size_t max, char **out, size_t *len);
/* rm -rf without following symlinks. Returns 0 or -1 with errno. */
int rm_rf(const char *path);
/* mkdir -p with the given mode for created directories. */
int mkdir_p(const char *path, mode_t mode);
/* Sets O_NONBLOCK and FD_CLOEXEC. */
int set_nonblock_cloexec(int fd);

#endif
