/*
 * A worker thread for dumps.  The hand-over is a mutex and a condition
 * variable one way and an eventfd the other, because the caller waits in
 * poll(2) and a condition variable cannot be polled.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/clock.h"
#include "sockwatch/collect.h"
#include "sockwatch/fetcher.h"
#include "sockwatch/stack_feed.h"

/* How much nicer than the caller's thread the worker is. */
#define FETCHER_NICE 5

enum fetch_phase { FETCH_IDLE, FETCH_QUEUED, FETCH_RUNNING, FETCH_DONE };

struct fetcher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int done_fd;
	struct diag_socket *diag;
	enum fetch_phase phase; /* under lock */
	bool stopping;		/* under lock */
	struct fetch_job job;
	void *bytecode; /* the job's own copy */
	size_t bytecode_cap;
};

void
fetch_job_run(struct fetch_job *job, struct diag_socket *ds)
{
	uint64_t t0 = clock_now_ns();

	job->err = job->owners_err = job->detail_err = 0;
	job->bytecode_refused = false;
	job->owners_ns = 0;
	if (job->owners != NULL) {
		job->owners_err = proc_table_refresh(job->owners);
		job->owners_ns = clock_now_ns() - t0;
		t0 = clock_now_ns();
	}
	job->dump_started_ns = clock_now_ns();
	if (job->spaces != NULL)
		job->err = collector_fetch_spaces(job->spaces, job->n_spaces,
						  &job->req, job->snap,
						  &job->bytecode_refused);
	else
		job->err = collector_fetch(ds, &job->req, job->snap,
					   &job->bytecode_refused);
	/* The stack's rows are extras: a directory that cannot be read
	 * shows none, and the kernel's poll stands. */
	if (job->err == 0 && job->with_stack)
		(void)collector_fetch_stack(&job->req, job->netns, job->snap,
					    NULL);
	if (job->detail != NULL) {
		struct diag_socket *where = ds;
		if (job->spaces != NULL)
			where = collector_space_socket(job->spaces,
						       job->n_spaces,
						       job->detail_rec.netns);
		snapshot_reset(job->detail);
		job->detail_err = where == NULL ? -ENOENT :
			diag_get(where, &job->detail_rec,
					   DIAG_EXT_INFO | DIAG_EXT_MEM |
						   DIAG_EXT_CONG,
					   job->detail);
	}
	job->fetch_ns = clock_now_ns() - t0;
}

static void *
fetcher_main(void *arg)
{
	struct fetcher *f = arg;
	uint64_t one = 1;

	/* When the CPU is short, the person at the keyboard goes first: a
	 * dump that finishes a little later costs nothing, a key that waits
	 * does.  Linux applies a thread id's nice value to that thread. */
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(),
				  nice_now + FETCHER_NICE);
	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (f->phase != FETCH_QUEUED && !f->stopping)
			pthread_cond_wait(&f->wake, &f->lock);
		if (f->stopping)
			break;
		f->phase = FETCH_RUNNING;
		pthread_mutex_unlock(&f->lock);
		/* The job is ours alone while it runs. */
		fetch_job_run(&f->job, f->diag);
		pthread_mutex_lock(&f->lock);
		f->phase = FETCH_DONE;
		/* An eventfd write only fails on counter overflow. */
		(void)!write(f->done_fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int
fetcher_start(struct fetcher **out, struct diag_socket *ds)
{
	struct fetcher *f;
	sigset_t all, old;
	int err;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->diag = ds;
	if ((f->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		err = -errno;
		free(f);
		return err;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	/* Signals belong to the caller's signalfd, never to this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&f->thread, NULL, fetcher_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err < 0) {
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->lock);
		close(f->done_fd);
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

void
fetcher_stop(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	close(f->done_fd);
	free(f->bytecode);
	free(f);
}

int
fetcher_fd(const struct fetcher *f)
{
	return f->done_fd;
}

bool
fetcher_busy(const struct fetcher *f)
{
	struct fetcher *mut = (struct fetcher *)f;
	bool busy;

	pthread_mutex_lock(&mut->lock);
	busy = f->phase != FETCH_IDLE;
	pthread_mutex_unlock(&mut->lock);
	return busy;
}

int
fetcher_submit(struct fetcher *f, const struct fetch_job *job)
{
	int err = 0;

	pthread_mutex_lock(&f->lock);
	if (f->phase != FETCH_IDLE) {
		err = -EBUSY;
		goto out;
	}
	f->job = *job;
	if (job->req.bytecode_len > 0) {
		if (job->req.bytecode_len > f->bytecode_cap) {
			void *p = realloc(f->bytecode, job->req.bytecode_len);
			if (p == NULL) {
				err = -ENOMEM;
				goto out;
			}
			f->bytecode = p;
			f->bytecode_cap = job->req.bytecode_len;
		}
		memcpy(f->bytecode, job->req.bytecode, job->req.bytecode_len);
		f->job.req.bytecode = f->bytecode;
	}
	f->phase = FETCH_QUEUED;
	pthread_cond_signal(&f->wake);
out:
	pthread_mutex_unlock(&f->lock);
	return err;
}

int
fetcher_collect(struct fetcher *f, struct fetch_job *done)
{
	uint64_t count;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	if (f->phase != FETCH_DONE) {
		err = -EAGAIN;
	} else {
		*done = f->job;
		done->req.bytecode = NULL; /* the copy is not the caller's */
		f->phase = FETCH_IDLE;
		(void)!read(f->done_fd, &count, sizeof(count));
	}
	pthread_mutex_unlock(&f->lock);
	return err;
}
