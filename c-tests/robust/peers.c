/* peers.c - a peer that dies by SIGKILL still notifies: the survivor sees the notify byte
 * cleared and the event delivered.
 *   gnttab: a child maps our page with map_grant_ref_notify (byte + event) and is killed;
 *   gntshr: a child shares a page with share_page_notify (byte + event), we map it, the child
 *           is killed.
 * usage: peers <tag> */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>
#include "robust.h"

#define BYTE_AT 100

/* runs `child` in a process that reports a grant ref (or 0) through a pipe, then waits to be
 * killed; returns its pid, the ref in *ref */
static pid_t spawn(uint32_t (*child)(struct evpair *), struct evpair *e, uint32_t *ref)
{
    int p[2];
    if (pipe(p)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        uint32_t r = child(e);
        if (write(p[1], &r, sizeof r) != sizeof r) _exit(1);
        for (;;) pause();
    }
    close(p[1]);
    *ref = 0;
    ssize_t n = read(p[0], ref, sizeof *ref);
    close(p[0]);
    return n == sizeof *ref ? pid : -1;
}

static const char *killed(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "SIGKILLed" : "did not die of SIGKILL";
}

/* ---- gnttab side killed */
static uint32_t mapped_ref;
static uint32_t mapper(struct evpair *e)
{
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    uint8_t *m = gt ? xengnttab_map_grant_ref_notify(gt, 0, mapped_ref, RW_PROT, BYTE_AT, (evtchn_port_t)e->remote) : NULL;
    return m && m[BYTE_AT] == 0xaa ? 1 : 0;
}

static void mapper_killed(xengntshr_handle *gs, struct evpair *e)
{
    uint8_t *s = xengntshr_share_pages(gs, 0, 1, &mapped_ref, 1);
    if (!s) { result(0, "peers/gnttab-mapper-killed", "share: %s", strerror(errno)); return; }
    memset(s, 0xaa, PG);
    uint32_t ok;
    pid_t pid = spawn(mapper, e, &ok);
    if (pid < 0 || !ok) { result(0, "peers/gnttab-mapper-killed", "child could not map with notify"); return; }
    const char *how = killed(pid);
    int ev = evpair_wait(e, 5000);
    result(s[BYTE_AT] == 0 && ev && s[BYTE_AT + 1] == 0xaa, "peers/gnttab-mapper-killed",
           "mapper %s; byte %s, neighbours %s, event %s", how, s[BYTE_AT] == 0 ? "cleared" : "NOT cleared",
           s[BYTE_AT + 1] == 0xaa ? "kept" : "changed", ev ? "delivered" : "NOT delivered");
    xengntshr_unshare(gs, s, 1);
}

/* ---- gntshr side killed */
static uint32_t sharer(struct evpair *e)
{
    xengntshr_handle *gs = xengntshr_open(NULL, 0);
    uint32_t ref = 0;
    uint8_t *s = gs ? xengntshr_share_page_notify(gs, 0, &ref, 1, BYTE_AT, (evtchn_port_t)e->remote) : NULL;
    if (!s) return 0;
    memset(s, 0xbb, PG);
    return ref;
}

static void sharer_killed(xengnttab_handle *gt, struct evpair *e)
{
    uint32_t ref;
    pid_t pid = spawn(sharer, e, &ref);
    uint8_t *m = pid > 0 && ref ? xengnttab_map_grant_ref(gt, 0, ref, RW_PROT) : NULL;
    if (!m || m[BYTE_AT] != 0xbb) {
        result(0, "peers/gntshr-sharer-killed", "map of the child's page: %s", m ? "wrong data" : strerror(errno));
        if (pid > 0) killed(pid);
        return;
    }
    const char *how = killed(pid);
    int ev = evpair_wait(e, 5000);
    result(m[BYTE_AT] == 0 && ev && m[BYTE_AT + 1] == 0xbb, "peers/gntshr-sharer-killed",
           "sharer %s; byte %s, neighbours %s, event %s; our mapping still readable", how,
           m[BYTE_AT] == 0 ? "cleared" : "NOT cleared", m[BYTE_AT + 1] == 0xbb ? "kept" : "changed",
           ev ? "delivered" : "NOT delivered");
    errno = 0;
    int u = xengnttab_unmap(gt, m, 1);
    result(u == 0, "peers/gntshr-sharer-killed-unmap", "unmap after the sharer died: %d (%s)", u, strerror(errno));
}

int main(int argc, char **argv)
{
    if (argc > 1) tag = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct evpair e;
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    xengntshr_handle *gs = xengntshr_open(NULL, 0);
    if (!gt || !gs || evpair_open(&e)) { result(0, "peers/setup", "open: %s", strerror(errno)); return 1; }
    mapper_killed(gs, &e);
    sharer_killed(gt, &e);
    return 0;
}
