/* The bare kernel-to-init reference for bench/: an initramfs /init that prints one marker line on
 * the console and powers off at once. Same kernel and QEMU command line as an mvm instance, so
 * the difference to "boot to ready" is what mvm's init, rootfs and agent add. */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void) {
    mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
    int fd = open("/dev/console", O_WRONLY);
    if (fd < 0) fd = 1;
    static const char marker[] = "MVM_BENCH_BARE_INIT\n";
    (void)!write(fd, marker, sizeof marker - 1);
    fsync(fd);
    reboot(RB_POWER_OFF);
    return 0;
}
