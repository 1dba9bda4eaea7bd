/*
 * End to end: the real binary sets up a private lab (two namespaces of a
 * unique name), runs each scenario against the real kernel, and must see
 * the kernel in every promised state through sock_diag.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char lab[32];
static char output[65536];

static const char *
bin(void)
{
	const char *b = getenv("SOCKWATCH_BIN");

	return b ? b : "./sockwatch";
}

/* Run a shell command in its own process group, capture its output, and
 * kill the whole group if it outlives the limit. */
static int
run(const char *cmd, unsigned limit_s)
{
	char full[1024];
	FILE *p;
	size_t n;
	int status;

	snprintf(full, sizeof(full), "exec setsid timeout -s KILL %u %s 2>&1",
		 limit_s, cmd);
	p = popen(full, "r");
	cr_assert_not_null(p);
	n = fread(output, 1, sizeof(output) - 1, p);
	output[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
lab_up(void)
{
	char cmd[256];
	static unsigned seq;

	if (geteuid() != 0)
		cr_skip_test("the stack's end-to-end tests need root "
			     "(namespaces and AF_PACKET)");
	snprintf(lab, sizeof(lab), "swt%d-%u", (int)getpid(), seq++);
	snprintf(cmd, sizeof(cmd), "%s lab up -q --name %s", bin(), lab);
	cr_assert_eq(run(cmd, 20), 0, "lab up failed:\n%s", output);
}

static void
lab_down(void)
{
	char cmd[256];

	if (lab[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "%s lab down -q --name %s", bin(), lab);
	run(cmd, 20);
	lab[0] = '\0';
}

static void
scenario(const char *name, const char *extra, const char *const states[])
{
	char cmd[512];
	const char *seen;
	int status;

	snprintf(cmd, sizeof(cmd), "%s stack --lab %s --hold 300ms "
		 "--no-publish %s %s", bin(), lab, extra, name);
	status = run(cmd, 40);
	cr_assert_eq(status, 0, "%s exited %d:\n%s", name, status, output);
	cr_assert(strstr(output, "PASSED") != NULL, "%s", output);
	seen = strstr(output, "kernel states observed:");
	cr_assert_not_null(seen, "%s", output);
	for (size_t i = 0; states[i] != NULL; i++) {
		char word[32];

		snprintf(word, sizeof(word), " %s", states[i]);
		cr_assert(strstr(seen, word) != NULL &&
				  strstr(seen, word) < strchr(seen, '\n'),
			  "%s: the kernel was not seen in %s:\n%s", name,
			  states[i], output);
	}
}

TestSuite(stack_e2e, .init = lab_up, .fini = lab_down, .timeout = 60);

Test(stack_e2e, connect)
{
	scenario("connect", "", (const char *[]){ "LISTEN", "ESTAB",
						  "CLOSE-WAIT", NULL });
	cr_assert(strstr(output, "kernel read 20 bytes") != NULL, "%s",
		  output);
}

Test(stack_e2e, accept)
{
	scenario("accept", "", (const char *[]){ "SYN-SENT", "ESTAB",
						 "TIME-WAIT", NULL });
}

Test(stack_e2e, close_active)
{
	scenario("close-active", "", (const char *[]){ "FIN-WAIT-1",
						       "FIN-WAIT-2",
						       "TIME-WAIT", NULL });
}

Test(stack_e2e, close_passive)
{
	scenario("close-passive", "", (const char *[]){ "CLOSE-WAIT",
							"LAST-ACK", NULL });
}

Test(stack_e2e, half_close)
{
	scenario("half-close", "", (const char *[]){ "CLOSE-WAIT",
						     "FIN-WAIT-2", NULL });
}

Test(stack_e2e, simultaneous_open)
{
	scenario("simultaneous-open", "", (const char *[]){ "SYN-SENT",
							    "SYN-RECV",
							    "ESTAB", NULL });
}

Test(stack_e2e, simultaneous_close)
{
	scenario("simultaneous-close", "", (const char *[]){ "FIN-WAIT-1",
							     "CLOSING",
							     "TIME-WAIT",
							     NULL });
}

Test(stack_e2e, no_final_ack)
{
	scenario("no-final-ack", "", (const char *[]){ "SYN-RECV", "ESTAB",
						       NULL });
}

Test(stack_e2e, lost_last_ack)
{
	scenario("lost-last-ack", "", (const char *[]){ "CLOSE-WAIT",
							"LAST-ACK", NULL });
	cr_assert(strstr(output, "sent its FIN again") != NULL, "%s", output);
}

Test(stack_e2e, time_wait_reuse)
{
	scenario("time-wait-reuse", "", (const char *[]){ "TIME-WAIT",
							  "SYN-RECV", "ESTAB",
							  NULL });
}

Test(stack_e2e, rst)
{
	scenario("rst", "", (const char *[]){ "ESTAB", "SYN-RECV",
					      "CLOSE-WAIT", "FIN-WAIT-2",
					      NULL });
	cr_assert(strstr(output, "challenge ACK") != NULL, "%s", output);
}

Test(stack_e2e, leak)
{
	scenario("leak", "--count 8", (const char *[]){ "CLOSE-WAIT", NULL });
	cr_assert(strstr(output, "8 kernel sockets in CLOSE-WAIT") != NULL,
		  "%s", output);
}

static void
script(const char *text, int want_status, const char *want_text)
{
	char path[] = "/tmp/sockwatch-script-XXXXXX", cmd[512];
	int fd = mkstemp(path), status;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s stack --lab %s --no-publish script %s",
		 bin(), lab, path);
	status = run(cmd, 30);
	unlink(path);
	cr_assert_eq(status, want_status, "script exited %d:\n%s", status,
		     output);
	cr_assert(strstr(output, want_text) != NULL, "no '%s' in:\n%s",
		  want_text, output);
}

Test(stack_e2e, script_handshake_and_reset)
{
	script("kernel listen\n"
	       "send S seq 0 mss 1460 ws 7\n"
	       "expect S. ack 1 within 1s\n"
	       "state syn-recv\n"
	       "wait 100ms\n"
	       "send . seq 1 ack 1\n"
	       "state established within 500ms\n"
	       "send P. seq 1 ack 1 data \"hi there\"\n"
	       "expect . ack 9\n"
	       "kernel accept\n"
	       "kernel read 8\n"
	       "send R seq 9\n"
	       "state none\n",
	       0, "PASSED");
}

Test(stack_e2e, script_failed_expectation_is_reported)
{
	script("kernel listen\n"
	       "send S seq 0\n"
	       "expect R. within 1s\n",
	       1, "expected [R.], got [S.]");
}

Test(stack_e2e, refuses_loopback_and_unnamed)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "%s stack --if lo --addr 127.0.0.2/8 "
		 "--peer 127.0.0.1 connect", bin());
	cr_assert_eq(run(cmd, 10), 1, "%s", output);
	cr_assert(strstr(output, "loopback") != NULL, "%s", output);
	snprintf(cmd, sizeof(cmd), "%s stack --lab nosuchlab%d connect", bin(),
		 (int)getpid());
	cr_assert_eq(run(cmd, 10), 1, "%s", output);
	cr_assert(strstr(output, "is not up") != NULL, "%s", output);
}

/* A kernel namespace that cannot be entered fails the run: status 1 and
 * one line naming it, not the 0 the interface check left behind. */
Test(stack_e2e, unknown_kernel_namespace_is_status_1)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "%s stack --lab %s --netns swt-none-%d "
		 "--no-publish connect", bin(), lab, (int)getpid());
	cr_assert_eq(run(cmd, 20), 1, "%s", output);
	cr_assert(strstr(output, "swt-none-") != NULL &&
			  strstr(output, "No such file") != NULL,
		  "%s", output);
}
