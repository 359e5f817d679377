#ifndef MVM_MODLIST_H
#define MVM_MODLIST_H
/* /etc/mvm/modules (written by packages/mvmctl/src/image/guest/initramfs.ts), one module a line,
 * "#" lines and blank lines ignored:
 *   <path>                            always loaded (the only form older images have)
 *   <path>\t<pattern>,<pattern>...    loaded only when a present device's modalias matches one
 *                                     of the patterns (fnmatch, as modprobe matches aliases)
 * Devices: the "modalias" files of each device under /sys/bus/virtio/devices/ and
 * /sys/bus/pci/devices/. */
#include <stddef.h>

#define MODLIST_MAX_DEVS 128
#define MODLIST_ALIAS_LEN 160

typedef struct {
    char *path;
    char *patterns; /* comma-separated; NULL or "" = always */
} modline_t;

typedef struct {
    size_t n;
    /* More devices than fit, or a modalias too long to keep: every pattern then counts as
       matched (loading a driver for nothing beats missing one). */
    int overflow;
    char alias[MODLIST_MAX_DEVS][MODLIST_ALIAS_LEN];
} moddevs_t;

/* Parses one line in place (writes NULs into it). Returns 0 for a module line, -1 for a blank
 * or comment line. */
int modlist_parse_line(char *line, modline_t *out);

/* 1 when patterns is empty/NULL (always), devs overflowed, or a device's modalias matches one. */
int modlist_wanted(const char *patterns, const moddevs_t *devs);

/* Collects the modaliases of the devices under sysfs (normally "/sys"): bus/virtio/devices/
 * and bus/pci/devices/. A missing bus directory adds nothing. Returns the count. */
size_t modlist_scan(const char *sysfs, moddevs_t *devs);
#endif
