/*
 * Both ends of a lab on one screen: a stack scenario publishes its
 * connections, and `watch` and the monitor, run in the lab's kernel
 * namespace, show the stack's end next to the kernel's, marked as such.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/run.h"
#include "support/tmux.h"

static char lab[32];

static void
lab_up(void)
{
	struct run_result r;
	static unsigned seq;

	if (geteuid() != 0)
		cr_skip_test("the stack's end-to-end tests need root "
			     "(namespaces and AF_PACKET)");
	snprintf(lab, sizeof(lab), "swm%d-%u", (int)getpid(), seq++);
	cr_assert_eq(run_sockwatch(&RUN_OPTIONS_DEFAULT, &r, "lab", "up", "-q",
				   "--name", lab, NULL),
		     0);
	cr_assert_eq(r.status, 0, "lab up: %s", r.err);
	run_result_free(&r);
}

static void
lab_down(void)
{
	struct run_result r;

	if (lab[0] == '\0')
		return;
	if (run_sockwatch(&RUN_OPTIONS_DEFAULT, &r, "lab", "down", "-q",
			  "--name", lab, NULL) == 0)
		run_result_free(&r);
	lab[0] = '\0';
}

TestSuite(stack_monitor, .init = lab_up, .fini = lab_down, .timeout = 60);

/* The JSON line of the first event with all of these fragments. */
static const char *
find_event(const char *out, const char *const parts[])
{
	for (const char *line = out; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool all = true;

		for (size_t i = 0; parts[i] && all; i++) {
			const char *hit = strstr(line, parts[i]);
			all = hit != NULL && hit < line + len;
		}
		if (all)
			return line;
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* `watch --jsonl` in the lab's kernel namespace for seconds, while a
 * stack scenario (its arguments) runs from the second second on. */
static void
watch_during(const char *stack_args, unsigned seconds, struct run_result *r)
{
	char cmd[1024];
	const char *bin = run_sockwatch_path();

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s %s watch --jsonl -n --interval 50ms "
		 "--duration %us & sleep 1; %s stack --lab %s -q %s >&2; wait",
		 lab, bin, seconds, bin, lab, stack_args);
	cr_assert_eq(run_command(&(struct run_options){ .netns_fd = -1,
							.timeout_ms = 30000 },
				 r, "sh", "-c", cmd, NULL),
		     0);
	cr_assert_eq(r->status, 0, "%s\n%s", r->out, r->err);
}

Test(stack_monitor, watch_shows_both_ends_of_close_passive)
{
	struct run_result r;

	watch_during("--hold 600ms close-passive", 7, &r);

	/* The kernel's end, as before. */
	cr_assert_not_null(find_event(r.out, (const char *[]){
				   "\"source\":\"kernel\"",
				   "\"from\":\"CLOSE-WAIT\"",
				   "\"to\":\"LAST-ACK\"", NULL }),
			   "no kernel CLOSE-WAIT -> LAST-ACK:\n%s", r.out);
	/* The stack's end: it closed first, so it went through FIN-WAIT-2
	 * to TIME-WAIT, and ended when its 2MSL was over. */
	cr_assert_not_null(find_event(r.out, (const char *[]){
				   "\"source\":\"stack\"",
				   "\"from\":\"FIN-WAIT-2\"",
				   "\"to\":\"TIME-WAIT\"", NULL }),
			   "no stack FIN-WAIT-2 -> TIME-WAIT:\n%s", r.out);
	cr_assert_not_null(find_event(r.out, (const char *[]){
				   "\"source\":\"stack\"",
				   "\"event\":\"closed\"",
				   "\"from\":\"TIME-WAIT\"", NULL }),
			   "the stack's TIME-WAIT did not end:\n%s", r.out);
	/* The two ends are one connection seen from both sides. */
	cr_assert_not_null(find_event(r.out, (const char *[]){
				   "\"source\":\"stack\"",
				   "\"local_address\":\"10.77.0.2\"",
				   "\"peer_address\":\"10.77.0.1\"",
				   "\"peer_port\":8080", NULL }),
			   "%s", r.out);
	run_result_free(&r);
}

Test(stack_monitor, no_publish_keeps_the_stack_off_the_monitor)
{
	struct run_result r;

	watch_during("--hold 300ms --no-publish close-passive", 5, &r);
	cr_assert_not_null(strstr(r.out, "\"to\":\"LAST-ACK\""), "%s", r.out);
	cr_assert_null(strstr(r.out, "\"source\":\"stack\""), "%s", r.out);
	run_result_free(&r);
}

/* Wait (bounded) until no stack process of this lab runs any more. */
static void
wait_stack_gone(void)
{
	char cmd[128];

	/* Anchored, so that neither this shell nor the tmux server, whose
	 * command lines hold the same words, match. */
	snprintf(cmd, sizeof(cmd),
		 "pgrep -f '^[^ ]*sockwatch stack --lab %s ' >/dev/null", lab);
	for (int i = 0; i < 300 && system(cmd) == 0; i++)
		usleep(100 * 1000);
}

Test(stack_monitor, screen_marks_the_stack_rows)
{
	char cmd[512];
	struct tmux tm;
	const char *bin = run_sockwatch_path();
	char *screen;
	bool ok;

	/* The scenario starts a second after the monitor, beside it; a leak
	 * holds the kernel's ends in CLOSE-WAIT long enough to be seen. */
	snprintf(cmd, sizeof(cmd),
		 "(sleep 1; %s stack --lab %s -q --hold 3s --count 3 leak) "
		 ">/dev/null 2>&1 & exec ip netns exec %s %s -n "
		 "--interval 100ms",
		 bin, lab, lab, bin);
	cr_assert_eq(tmux_start(&tm, 150, 40, cmd), 0);
	/* The stack's rows are named by its process... */
	screen = tmux_wait_text(&tm, "/stack", 15000, &ok);
	cr_assert(ok, "no stack row on the screen:\n%s", screen);
	cr_assert_not_null(strstr(screen, "CLOSE-WAIT"), "%s", screen);
	free(screen);
	/* ...and their events marked in the log. */
	screen = tmux_wait_text(&tm, "[stack]", 5000, &ok);
	cr_assert(ok, "no stack event in the log:\n%s", screen);
	free(screen);
	wait_stack_gone();
	tmux_stop(&tm);
}
