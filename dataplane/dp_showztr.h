/* SPDX-License-Identifier: ISC */
/*
 * <lisp-dir>/show-ztr, the status file lispers.net's web UI shows on its
 * "LISP xTR" page (lispers-net-compat.md section 2.4), written to a
 * temporary file and renamed into place so a reader never sees half.
 */
#ifndef DP_SHOWZTR_H
#define DP_SHOWZTR_H

#include <stdio.h>

/* Write the status to fp (main thread). */
void	dp_showztr_format(FILE *);
/* Atomically replace <dir>/show-ztr.  0, or -1 with errno. */
int	dp_showztr_write(const char *dir);

#endif /* DP_SHOWZTR_H */
