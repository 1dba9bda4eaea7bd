/*
 * The owners of every socket, from inside the kernel: a BPF iterator over
 * every open file of every task (iter/task_file) that writes one struct
 * task_sockets_record to its seq file for each file that is a socket.
 * Userspace (src/collect/sock_iter.c) creates an iterator from the link,
 * read()s the records and builds the same inode -> owners table as the
 * walk of /proc/PID/fd does.
 *
 * Which file tables count: a process's, as /proc/PID/fd shows it, is its
 * thread-group leader's.  The kernel's walk already passes over threads
 * that share their leader's table; a thread with a table of its own
 * (clone without CLONE_FILES, or unshare(CLONE_FILES)) is visited, and
 * passed over here, so each (process, fd) is written at most once and
 * both sources agree.  Kernel threads hold no sockets in a file table and
 * are passed over.
 *
 * Built with clang -target bpf -O2 -g; CO-RE: the kernel types it reads
 * are in kernel_types.h and relocated at load time by the loader program
 * the light skeleton embeds, against the kernel's own BTF.
 */
#include <linux/bpf.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "kernel_types.h"
#include "task_sockets.h"

char LICENSE[] SEC("license") = "GPL";

/* include/linux/sched.h, include/uapi/linux/stat.h, include/uapi/linux/magic.h */
#define SW_PF_KTHREAD 0x00200000u
#define SW_S_IFMT 0170000
#define SW_S_IFSOCK 0140000
#define SW_SOCKFS_MAGIC 0x534F434Bul

SEC("iter/task_file")
int task_sockets(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct task_sockets_record r;
	struct inode *inode;

	if (task == NULL || file == NULL)
		return 0;
	if ((task->flags & SW_PF_KTHREAD) || task->pid != task->tgid)
		return 0;
	/* Only sockfs files: the socket file operations are not a symbol
	 * the program can compare with where kallsyms lacks data symbols,
	 * and an O_PATH descriptor of a socket file on disk has the mode
	 * S_IFSOCK but lives on another file system. */
	inode = file->f_inode;
	if (inode == NULL || (inode->i_mode & SW_S_IFMT) != SW_S_IFSOCK ||
	    inode->i_sb == NULL || inode->i_sb->s_magic != SW_SOCKFS_MAGIC)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.inode = inode->i_ino;
	r.tgid = task->tgid;
	r.fd = (__s32)ctx->fd;
	bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), task->comm);
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
