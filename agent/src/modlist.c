/* Parsing of /etc/mvm/modules and matching of its device patterns (see modlist.h). Pure but for
 * modlist_scan's reads of sysfs, so agent/test/unit.c covers it. */
#define _GNU_SOURCE
#include "modlist.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int modlist_parse_line(char *line, modline_t *out) {
    while (*line == ' ') line++;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
    if (!*line || *line == '#') return -1;
    char *tab = strchr(line, '\t');
    out->path = line;
    out->patterns = NULL;
    if (tab) {
        *tab = 0;
        out->patterns = tab + 1;
        while (*out->patterns == '\t' || *out->patterns == ' ') out->patterns++;
        /* a path followed by stray spaces before the tab */
        for (size_t k = strlen(line); k && line[k - 1] == ' ';) line[--k] = 0;
    }
    return 0;
}

int modlist_wanted(const char *patterns, const moddevs_t *devs) {
    if (!patterns || !*patterns || devs->overflow) return 1;
    for (const char *p = patterns; *p;) {
        size_t len = strcspn(p, ",");
        char pat[MODLIST_ALIAS_LEN];
        if (len > 0 && len < sizeof pat) {
            memcpy(pat, p, len);
            pat[len] = 0;
            for (size_t i = 0; i < devs->n; i++)
                if (fnmatch(pat, devs->alias[i], 0) == 0) return 1;
        }
        p += len;
        if (*p == ',') p++;
    }
    return 0;
}

static void scan_bus(const char *sysfs, const char *bus, moddevs_t *devs) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s/bus/%s/devices", sysfs, bus);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (devs->n == MODLIST_MAX_DEVS) {
            devs->overflow = 1;
            break;
        }
        char path[sizeof dir + 272];
        snprintf(path, sizeof path, "%s/%s/modalias", dir, e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        char *a = devs->alias[devs->n];
        ssize_t r = read(fd, a, MODLIST_ALIAS_LEN - 1);
        close(fd);
        if (r <= 0) continue;
        if (r == MODLIST_ALIAS_LEN - 1) devs->overflow = 1;
        a[r] = 0;
        a[strcspn(a, "\n")] = 0;
        if (*a) devs->n++;
    }
    closedir(d);
}

size_t modlist_scan(const char *sysfs, moddevs_t *devs) {
    devs->n = 0;
    devs->overflow = 0;
    scan_bus(sysfs, "virtio", devs);
    scan_bus(sysfs, "pci", devs);
    return devs->n;
}
