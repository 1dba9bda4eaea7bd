/*
 * Every TCP state transition, as the kernel makes it: a BTF tracepoint
 * program on inet_sock_set_state that sends one struct tcp_states_event
 * per transition through a ring buffer.  Userspace (src/collect/exact.c)
 * sizes the ring before loading, and reads the loss counter when a
 * transition found the ring full.
 *
 * Built with clang -target bpf -O2 -g; CO-RE: the kernel types it reads
 * are in kernel_types.h and relocated at load time by the loader program
 * the light skeleton embeds, against the kernel's own BTF.
 */
#include <linux/bpf.h>
#include <stdbool.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kernel_types.h"
#include "tcp_states.h"

/* GPL-only helpers are used: bpf_get_current_task_btf(). */
char LICENSE[] SEC("license") = "GPL";

#define SW_AF_INET 2
#define SW_AF_INET6 10
#define SW_IPPROTO_TCP 6

/* include/linux/preempt.h: 8 bits of preemption depth, 8 of softirq,
 * 4 of hardirq, 4 of NMI.  The softirq byte counts in twos when bottom
 * halves are disabled (local_bh_disable) and its lowest bit is set only
 * while a softirq is being served: the bit that says the current task
 * is not the one the work is for. */
#define SW_SOFTIRQ_OFFSET (1u << 8)
#define SW_HARDIRQ_MASK (0xfu << 16)
#define SW_NMI_MASK (0xfu << 20)

/* Bytes waiting in the ring that are worth waking the reader for: about
 * sixty transitions. */
#define WAKEUP_BYTES (64 * 128)

/* Userspace sets the size in the skeleton's map descriptor before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Transitions not sent because the ring was full, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/*
 * Where this CPU's preempt count is, set by userspace before load from the
 * kernel's BTF (see exact.c): on x86 it is a per-CPU variable, at a fixed
 * distance from the per-CPU run queue in every CPU's copy of the per-CPU
 * area, but the verifier cannot take a per-CPU variable's address when
 * the kernel's kallsyms lacks data symbols (CONFIG_KALLSYMS_ALL unset).
 * The distance is the variables' offsets in the .data..percpu section.
 */
const volatile __s64 preempt_count_from_rq = 0;
const volatile __u8 preempt_count_by_rq = 0;

/* The current CPU's preempt count into *count; false when this kernel
 * keeps it where the program does not know to look, or when what it
 * found cannot be trusted. */
static __always_inline bool
read_preempt_count(int *count)
{
	if (preempt_count_by_rq &&
	    bpf_core_field_exists(struct sched_entity, cfs_rq)) {
		struct task_struct *task = bpf_get_current_task_btf();
		const struct cfs_rq *cfs = task->se.cfs_rq;
		const struct rq *rq;

		if (cfs == NULL)
			return false;
		rq = cfs->rq;
		/* The running task's run queue is its CPU's: check. */
		if (rq == NULL ||
		    (__u32)rq->cpu != bpf_get_smp_processor_id())
			return false;
		return bpf_probe_read_kernel(count, sizeof(*count),
					     (const char *)rq +
						     preempt_count_from_rq) ==
		       0;
	}
	if (bpf_core_field_exists(struct thread_info___pc, preempt_count)) {
		struct task_struct___pc *task =
			(void *)bpf_get_current_task_btf();

		*count = task->thread_info.preempt_count;
		return true;
	}
	return false;
}

static __always_inline __u8
context_now(void)
{
	int count;

	if (!read_preempt_count(&count))
		return TCP_STATES_CTX_UNKNOWN;
	if (count & (SW_NMI_MASK | SW_HARDIRQ_MASK))
		return TCP_STATES_CTX_KERNEL;
	if (bpf_core_field_exists(struct task_struct___rt,
				  softirq_disable_cnt)) {
		struct task_struct___rt *task =
			(void *)bpf_get_current_task_btf();
		count = task->softirq_disable_cnt;
	}
	if (count & SW_SOFTIRQ_OFFSET)
		return TCP_STATES_CTX_KERNEL;
	return TCP_STATES_CTX_PROCESS;
}

static __always_inline void
count_lost(void)
{
	__u32 key = TCP_STATES_LOST_KEY;
	__u64 *n = bpf_map_lookup_elem(&lost, &key);

	/* The kernel does not run the program nested on one CPU (it counts
	 * that as a recursion miss instead, which userspace adds in), so a
	 * plain add would do; the atomic one costs next to nothing and
	 * does not depend on that rule. */
	if (n != NULL)
		__sync_fetch_and_add(n, 1);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_state, const struct sock *sk, int oldstate, int newstate)
{
	const struct sock_common *skc = &sk->__sk_common;
	struct tcp_states_event *e;
	__u64 now;
	__u8 context;
	int i;

	if (sk->sk_protocol != SW_IPPROTO_TCP)
		return 0;
	now = bpf_ktime_get_ns();
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_lost();
		return 0;
	}
	/* The reserved record is not zeroed: every byte is written below. */
	e->at_ns = now;
	e->cookie = bpf_get_socket_cookie((void *)sk);
	e->netns = skc->skc_net.net->ns.inum;
	e->family = skc->skc_family;
	e->sport = skc->skc_num;
	e->dport = skc->skc_dport;
	e->old_state = (__u8)oldstate;
	e->new_state = (__u8)newstate;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	if (e->family == SW_AF_INET6) {
		for (i = 0; i < 4; i++) {
			((__u32 *)e->saddr)[i] =
				skc->skc_v6_rcv_saddr.in6_u.u6_addr32[i];
			((__u32 *)e->daddr)[i] =
				skc->skc_v6_daddr.in6_u.u6_addr32[i];
		}
	} else {
		((__u32 *)e->saddr)[0] = skc->skc_rcv_saddr;
		((__u32 *)e->daddr)[0] = skc->skc_daddr;
		for (i = 1; i < 4; i++)
			((__u32 *)e->saddr)[i] = ((__u32 *)e->daddr)[i] = 0;
	}

	context = context_now();
	e->context = context;
	if (context == TCP_STATES_CTX_PROCESS) {
		__u64 id = bpf_get_current_pid_tgid();

		e->tgid = (__s32)(id >> 32);
		e->tid = (__s32)(__u32)id;
		if (bpf_get_current_comm(e->comm, sizeof(e->comm)) != 0)
			e->comm[0] = '\0';
	} else {
		e->tgid = e->tid = -1;
		for (i = 0; i < (int)sizeof(e->comm); i++)
			e->comm[i] = '\0';
	}
	/* Wake the reader only once a batch is waiting: a wake-up per
	 * transition costs it more than the transitions themselves.  It
	 * also reads on a short timer (exact.h: EXACT_READ_EVERY_MS), so a
	 * lone transition is not held up for long. */
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >=
					      WAKEUP_BYTES
				      ? BPF_RB_FORCE_WAKEUP
				      : BPF_RB_NO_WAKEUP);
	return 0;
}
