/*
 * workers/ocrenv.h: make sure Tesseract runs single-threaded.
 *
 * Parallelism comes from processes (one worker per core); Tesseract's OpenMP
 * threads only make each page slower on a busy machine (about 2.6x on two
 * cores).  libgomp reads OMP_THREAD_LIMIT once, in a constructor that runs
 * when the program is loaded, so setting it in main() is too late: the only
 * way is to set it and execute the program again.
 */
#ifndef ANCONG_OCRENV_H
#define ANCONG_OCRENV_H

/* If OMP_THREAD_LIMIT is not set: set it to 1 and re-execute this program
 * with the same arguments (from /proc/self/cmdline).  Returns only when it
 * was already set, or when re-executing failed (a warning is logged and
 * processing goes on, slower).  Call it first thing in a command that OCRs,
 * before any output. */
void ocrenv_single_thread(void);

#endif
