/* tool-team.h — a fixed team of threads that run one job at a time, each
 * on its own share (the caller's thread is member 0).  For steps of a few
 * hundred microseconds that repeat thousands of times: members wait for
 * the next job spinning a little before they sleep (if asked), so that a
 * hand-over costs about a microsecond, not a scheduler wake-up. */
#ifndef TOOL_TEAM_H
#define TOOL_TEAM_H

/* Start n - 1 threads (n >= 1); returns how many members the team has,
 * fewer than n if threads could not start (1: the caller alone).  spin:
 * whether members spin before they sleep, for jobs that follow each other
 * at once (training steps); without it they sleep at once, leaving the
 * processors to other threads between jobs (a reader's decompression).
 * Signals stay with the caller's thread. */
int team_start(int n, int spin);

/* Run job(ctx, k) for every member k at once, k = 0 in the caller's
 * thread; returns when all have returned.  The job must not exit. */
void team_run(void (*job)(void *ctx, int k), void *ctx);

#endif
