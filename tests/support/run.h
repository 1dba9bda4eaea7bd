/*
 * Run a program as the tests see it from outside: in its own process
 * group, optionally inside another network namespace, with a time limit,
 * its stdout and stderr captured and its exit status kept.
 */
#ifndef SOCKWATCH_TEST_RUN_H
#define SOCKWATCH_TEST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_options {
	int netns_fd;	   /* -1: stay; else setns(fd, CLONE_NEWNET) first */
	int timeout_ms;	   /* 0: 20 s */
	uid_t uid;	   /* run as this user when as_user is set */
	gid_t gid;
	bool as_user;
	const char *stdin_text; /* NULL: /dev/null */
	long nofile;	   /* >0: RLIMIT_NOFILE for the program */
};

struct run_result {
	char *out, *err; /* NUL-terminated, owned: run_result_free() */
	size_t out_len, err_len;
	int status;	 /* exit status, or 128 + signal */
	bool timed_out;
};

/* The options that change nothing: no namespace, default time limit. */
#define RUN_OPTIONS_DEFAULT ((struct run_options){ .netns_fd = -1 })

/*
 * Run argv[0] (searched in PATH) with argv.  Returns 0 when it ran (see
 * result->status), or a negative errno when it could not be started.
 * On timeout the whole process group is killed.
 */
int run_argv(const char *const argv[], const struct run_options *opt,
	     struct run_result *result);

/* "$SOCKWATCH_BIN" followed by args, ending with NULL. */
int run_sockwatch(const struct run_options *opt, struct run_result *result,
		  ...);

/* argv given as a NULL-terminated list. */
int run_command(const struct run_options *opt, struct run_result *result,
		...);

void run_result_free(struct run_result *result);

/* Lines in text, counting a last line without '\n'. */
size_t run_count_lines(const char *text);

/*
 * Start argv[0] (searched in PATH) in the background, in its own process
 * group, its stdout and stderr appended to log_path (NULL: /dev/null);
 * opt's timeout is not used.  Returns the pid (the group's leader), or a
 * negative errno.  End it with run_kill_group() or run_stop().
 */
pid_t run_spawn(const char *const argv[], const struct run_options *opt,
		const char *log_path);

/* SIGTERM a spawned group, wait up to timeout_ms for its leader, then
 * SIGKILL what is left.  Returns the leader's exit status, or 128 +
 * signal. */
int run_stop(pid_t pgid, int timeout_ms);

/* SIGKILL a process group and reap its leader; safe with pgid <= 0. */
void run_kill_group(pid_t pgid);

/* CLOCK_MONOTONIC in milliseconds. */
long run_now_ms(void);
/* Sleep ms milliseconds, through signals. */
void run_sleep_ms(int ms);

/* How many times the usual time limits: 5 under valgrind (make check
 * VALGRIND=1), else 1. */
int run_slowdown(void);

/* The binary under test: $SOCKWATCH_BIN, else ./sockwatch. */
const char *run_sockwatch_path(void);

/* The same where a process of another user (nobody) can run it: itself
 * when every directory on its way lets others through, else a copy in
 * /tmp made once per build.  Call it with privilege (before dropping
 * it); run_sockwatch() uses it for opt->as_user. */
const char *run_sockwatch_path_for_anyone(void);

#endif
