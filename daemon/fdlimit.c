/* The node's open-file limit: as high as the host allows.
 *
 * Every federation connection holds a descriptor from the moment the kernel
 * accepts it, CURVE handshake finished or not, so anyone who can reach the
 * listen port can hold hundreds of them. At the common default soft limit of
 * 1,024 that exhausts the node's descriptors, and libzmq then aborts the
 * whole process when it next accepts on the API socket (its ipc listener
 * treats EMFILE as fatal). The soft limit is the process's to raise up to the
 * hard limit (524,288 under systemd by default); liaisond polls with epoll
 * and poll, never select, so descriptors above 1,023 are fine. */
#include <sys/resource.h>
#include "fdlimit.h"
#include "log.h"

#define FDLIMIT_COMFORTABLE 8192

void fdlimit_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { .rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur < FDLIMIT_COMFORTABLE)
		log_warn("open-file limit is %llu: a few hundred unfinished connections to the listen port can "
			 "exhaust it; raise LimitNOFILE= (or ulimit -Hn)",
			 (unsigned long long)rl.rlim_cur);
}
