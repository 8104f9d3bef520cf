// SPDX-License-Identifier: MIT
/*
 * /init of the initramfs that tests/kernel/boot.sh boots.
 *
 * It mounts devtmpfs (so /dev/iommu exists), proc and sysfs, runs the test
 * binary named by /test.args (NUL-separated: the program's path in the
 * initramfs, then its arguments; boot.sh keeps the binary's own name so the
 * test results name it), and
 * reports how it ended on the serial console as a line of its own,
 * "VSMMU-KTEST-EXIT=<n>" (n: the exit status, or 128 + the signal number),
 * which boot.sh turns back into its own exit status.  Then it powers the
 * machine off; QEMU runs with -no-reboot, so the reboot ends QEMU.
 *
 * The kernel hands the unknown key=value words of its command line to init
 * as environment variables (VSMMU_IOMMUFD=real, for instance); execv()
 * passes this environment on to the test unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 64

static void mount_one(const char *what, const char *dir, const char *type)
{
    mkdir(dir, 0755);
    if (mount(what, dir, type, 0, NULL) != 0 && errno != EBUSY)
        fprintf(stderr, "init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

static void power_off(int status)
{
    /* A newline first, in case the test's last line had none, so the
     * status line always starts a line. */
    printf("\nVSMMU-KTEST-EXIT=%d\n", status);
    fflush(stdout);
    sync();
    reboot(RB_AUTOBOOT);
    _exit(status); /* not reached; pid 1 exiting panics, and panic=-1 reboots */
}

static int load_args(char **argv, char *buf, size_t size)
{
    int argc = 0;
    ssize_t n = 0;
    int fd = open("/test.args", O_RDONLY);

    if (fd >= 0) {
        n = read(fd, buf, size - 1);
        close(fd);
    }
    if (n > 0) {
        buf[n] = '\0';
        for (char *p = buf; p < buf + n && argc < MAX_ARGS; p += strlen(p) + 1)
            argv[argc++] = p;
    }
    if (argc == 0)
        argv[argc++] = "/test";
    argv[argc] = NULL;
    return argc;
}

int main(void)
{
    static char argbuf[16384];
    char *argv[MAX_ARGS + 1];
    int status = 0;
    pid_t child;

    setvbuf(stdout, NULL, _IONBF, 0);
    mount_one("devtmpfs", "/dev", "devtmpfs");
    mount_one("proc", "/proc", "proc");
    mount_one("sysfs", "/sys", "sysfs");
    load_args(argv, argbuf, sizeof(argbuf));

    child = fork();
    if (child < 0) {
        fprintf(stderr, "init: fork: %s\n", strerror(errno));
        power_off(126);
    }
    if (child == 0) {
        execv(argv[0], argv);
        fprintf(stderr, "init: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    /* As pid 1 we also inherit the test's orphans: wait for the test itself. */
    for (;;) {
        pid_t w = wait(&status);

        if (w == child)
            break;
        if (w < 0 && errno != EINTR) {
            fprintf(stderr, "init: wait: %s\n", strerror(errno));
            power_off(126);
        }
    }
    power_off(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
