/* nn/lock.h — one run at a time on a file (nn-train's checkpoint).
 *
 * The lock is flock(2) on PATH.lock beside the file, not on the file
 * itself: the file is replaced by rename on every save, so a lock on it
 * would be a lock on an old inode.  The lock file stays (removing it
 * would let a third run lock a new file while the second still holds the
 * old one); the lock ends with the process, however it ends (kill -9
 * too), so nothing stale is left to clean up.  Local file systems only:
 * on NFS, flock is emulated with byte-range locks or not at all.
 */
#ifndef NN_LOCK_H
#define NN_LOCK_H

#include <stddef.h>
#include "nn/error.h"

/* Lock path (its PATH.lock) for this process: returns the lock's file
 * descriptor (keep it open as long as the lock is needed; close it to
 * unlock), or -1 with NN_EDATA when another process holds the lock (the
 * message names the lock file), NN_EIO when the lock file cannot be
 * made, NN_ENOMEM. */
int nn_lock_path(const char *path, nn_error *err);

#endif
