/* The node's open-file limit. */
#ifndef LIAISOND_FDLIMIT_H
#define LIAISOND_FDLIMIT_H

/* Raises the soft RLIMIT_NOFILE to the hard limit, and warns when even that
 * leaves little room for connections. Leaves the limit as it was on failure. */
void fdlimit_raise(void);

#endif
