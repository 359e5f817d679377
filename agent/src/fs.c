#define _GNU_SOURCE
#include "fs.h"
#include "b64.h"
#include "msg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *type_name(mode_t m) {
    if (S_ISREG(m)) return "file";
    if (S_ISDIR(m)) return "dir";
    if (S_ISLNK(m)) return "symlink";
    return "other";
}

static void put_stat(buf_t *b, const struct stat *st) {
    buf_printf(b, ",\"type\":\"%s\",\"size\":%lld,\"mode\":%u,\"mtime_ms\":%lld", type_name(st->st_mode),
               (long long)st->st_size, (unsigned)(st->st_mode & 07777),
               (long long)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000);
}

/* Reads a required absolute path argument; writes the error reply itself on failure. */
static int get_path(const char *s, const jtok *t, uint32_t id, const char *key, char *out, buf_t *b) {
    long n = json_str(s, t, json_get(s, t, 0, key), out, PATH_MAX);
    if (n <= 0 || out[0] != '/') {
        reply_err(b, id, "protocol_error", "\"%s\" must be an absolute path string", key);
        return -1;
    }
    return 0;
}

static void err_errno(buf_t *b, uint32_t id, const char *what, const char *path) {
    int e = errno;
    reply_err(b, id, errno_kind(e), "%s %s: %s", what, path, strerror(e));
}

static void fs_read(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char path[PATH_MAX];
    if (get_path(s, t, id, "path", path, b)) return;
    int64_t off = 0, len = FS_READ_MAX;
    int i = json_get(s, t, 0, "offset");
    if (i >= 0 && json_int(s, t, i, 0, INT64_MAX, &off)) return reply_err(b, id, "protocol_error", "bad offset");
    i = json_get(s, t, 0, "length");
    if (i >= 0 && json_int(s, t, i, 0, INT64_MAX, &len)) return reply_err(b, id, "protocol_error", "bad length");
    if (len > FS_READ_MAX) len = FS_READ_MAX; /* the host loops on eof:false */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_errno(b, id, "open", path);
    struct stat st = {0};
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) errno = EISDIR;
        err_errno(b, id, "read", path);
        close(fd);
        return;
    }
    unsigned char *data = malloc(len ? (size_t)len : 1);
    if (!data) {
        close(fd);
        return reply_err(b, id, "internal", "out of memory");
    }
    size_t got = 0;
    int eof = 0;
    while (got < (size_t)len) {
        ssize_t r = pread(fd, data + got, (size_t)len - got, off + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            err_errno(b, id, "read", path);
            free(data);
            close(fd);
            return;
        }
        if (r == 0) {
            eof = 1;
            break;
        }
        got += (size_t)r;
    }
    /* A full chunk ending exactly at the end of a regular file is also eof. */
    if (!eof && S_ISREG(st.st_mode) && off + (int64_t)got >= st.st_size) eof = 1;
    close(fd);
    reply_ok_begin(b, id);
    buf_puts(b, ",\"data_b64\":");
    buf_json_b64(b, data, got);
    buf_printf(b, ",\"eof\":%s}", eof ? "true" : "false");
    free(data);
}

static void fs_write(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char path[PATH_MAX];
    if (get_path(s, t, id, "path", path, b)) return;
    int d = json_get(s, t, 0, "data_b64");
    if (d < 0 || t[d].type != J_STRING) return reply_err(b, id, "protocol_error", "data_b64 must be a string");
    size_t rawlen = t[d].end - t[d].start;
    unsigned char *data = malloc(b64_decoded_max(rawlen));
    if (!data) return reply_err(b, id, "internal", "out of memory");
    long n = b64_decode(s + t[d].start, rawlen, data);
    if (n < 0) {
        free(data);
        return reply_err(b, id, "protocol_error", "data_b64 is not valid base64");
    }
    int64_t mode = 0644;
    int mi = json_get(s, t, 0, "mode");
    if (mi >= 0 && json_int(s, t, mi, 0, 07777, &mode)) {
        free(data);
        return reply_err(b, id, "protocol_error", "mode must be an integer in 0..4095");
    }
    int append = json_bool(t, json_get(s, t, 0, "append")) == 1;
    if (json_bool(t, json_get(s, t, 0, "create_parents")) == 1) {
        char dir[PATH_MAX];
        strcpy(dir, path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = 0;
            if (mkdir_p(dir, 0755) != 0) {
                free(data);
                return err_errno(b, id, "mkdir", dir);
            }
        }
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), (mode_t)mode);
    if (fd < 0) {
        free(data);
        return err_errno(b, id, "open", path);
    }
    int rc = write_all(fd, data, (size_t)n);
    free(data);
    if (rc != 0 || close(fd) != 0) return err_errno(b, id, "write", path);
    reply_ok_begin(b, id);
    buf_printf(b, ",\"written\":%ld}", n);
}

static void fs_list(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char path[PATH_MAX];
    if (get_path(s, t, id, "path", path, b)) return;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return err_errno(b, id, "open", path);
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return err_errno(b, id, "opendir", path);
    }
    reply_ok_begin(b, id);
    buf_puts(b, ",\"entries\":[");
    int n = 0, truncated = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == FS_LIST_MAX) {
            truncated = 1;
            break;
        }
        struct stat st;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue; /* raced away */
        buf_puts(b, n++ ? ",{\"name\":" : "{\"name\":");
        buf_json_str(b, e->d_name, strlen(e->d_name));
        put_stat(b, &st);
        buf_puts(b, "}");
    }
    closedir(dir);
    buf_printf(b, "],\"truncated\":%s}", truncated ? "true" : "false");
}

static void fs_stat(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char path[PATH_MAX];
    if (get_path(s, t, id, "path", path, b)) return;
    struct stat st;
    if (lstat(path, &st) != 0) return err_errno(b, id, "stat", path);
    reply_ok_begin(b, id);
    put_stat(b, &st);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n >= 0) {
            buf_puts(b, ",\"target\":");
            buf_json_str(b, target, (size_t)n);
        }
    }
    buf_puts(b, "}");
}

static void fs_mkdir(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char path[PATH_MAX];
    if (get_path(s, t, id, "path", path, b)) return;
    int64_t mode = 0755;
    int mi = json_get(s, t, 0, "mode");
    if (mi >= 0 && json_int(s, t, mi, 0, 07777, &mode)) return reply_err(b, id, "protocol_error", "bad mode");
    int rc = json_bool(t, json_get(s, t, 0, "parents")) == 1 ? mkdir_p(path, (mode_t)mode) : mkdir(path, (mode_t)mode);
    if (rc != 0) return err_errno(b, id, "mkdir", path);
    reply_ok_begin(b, id);
    buf_puts(b, "}");
}

static void fs_remove(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char path[PATH_MAX];
    if (get_path(s, t, id, "path", path, b)) return;
    if (!strcmp(path, "/")) return reply_err(b, id, "permission_denied", "refusing to remove /");
    struct stat st;
    if (lstat(path, &st) != 0) return err_errno(b, id, "remove", path);
    int rc;
    if (S_ISDIR(st.st_mode))
        rc = json_bool(t, json_get(s, t, 0, "recursive")) == 1 ? rm_rf(path) : rmdir(path);
    else
        rc = unlink(path);
    if (rc != 0) return err_errno(b, id, "remove", path);
    reply_ok_begin(b, id);
    buf_puts(b, "}");
}

static void fs_move(const char *s, const jtok *t, uint32_t id, buf_t *b) {
    char from[PATH_MAX], to[PATH_MAX];
    if (get_path(s, t, id, "from", from, b) || get_path(s, t, id, "to", to, b)) return;
    if (rename(from, to) != 0) return err_errno(b, id, "move", from);
    reply_ok_begin(b, id);
    buf_puts(b, "}");
}

int fs_handle(const char *op, const char *s, const jtok *t, uint32_t id, buf_t *out) {
    static const struct {
        const char *op;
        void (*fn)(const char *, const jtok *, uint32_t, buf_t *);
    } verbs[] = {{"fs.read", fs_read},   {"fs.write", fs_write},   {"fs.list", fs_list}, {"fs.stat", fs_stat},
                 {"fs.mkdir", fs_mkdir}, {"fs.remove", fs_remove}, {"fs.move", fs_move}};
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        if (!strcmp(op, verbs[i].op)) {
            verbs[i].fn(s, t, id, out);
            return 0;
        }
    }
    return -1;
}
