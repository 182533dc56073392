// SPDX-License-Identifier: GPL-2.0-only
/* ctopo's kernel side: every TCP connect, accept and close, with the process behind it.
 *
 * Built on stable tracepoints only (no kprobes, no fentry), see DESIGN.md:
 *  - sock:inet_sock_set_state   (raw: the socket, old and new state) CLOSE->SYN_SENT runs in the connect() caller's context: remember
 *                               who it was per socket; SYN_SENT->ESTABLISHED emits `connect`,
 *                               SYN_SENT->CLOSE `connect_failed`, anything else ->CLOSE `close`.
 *  - syscalls:sys_exit_accept{,4}  the passive side turns ESTABLISHED in softirq, where no process
 *                               is known; the accepting process is known when accept() returns,
 *                               so read the socket behind the returned fd there and emit `accept`.
 */
#include "core_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ctopo_event.h"
#include "ctopo_edge.h"

char LICENSE[] SEC("license") = "GPL";

/* What we know about a socket from the moment we first saw it, until it closes. */
struct sock_info {
	__u64 start_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 mntns;
	__u8 direction;
	char comm[CTOPO_COMM_LEN];
};

/* LRU so that a socket freed without ever reaching CLOSE cannot leak an entry forever;
 * user space sizes it (bpf_map__set_max_entries) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct sock_info);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* 2 MiB: ~14,000 events, a second of the fastest loopback storm measured here; the pages count
	 * twice in the reader's RSS (the data area is mapped twice), so bigger is not free */
	__uint(max_entries, 2 << 20);
} events SEC(".maps");

/* 0: wake the reader at every event (trace, conns --watch print as events come). Otherwise the
 * reader drains on a timer of its own and is woken only when this many bytes wait: at a storm's
 * 60,000 events/s a wakeup per event or two cost the traced machine more than the tracing
 * itself (an IPI and two context switches each). Set by user space before load. */
const volatile __u64 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CTOPO_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *count = bpf_map_lookup_elem(&stats, &which);

	if (count)
		*count += 1;
}

static __always_inline void fill_current_process(struct sock_info *info)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	info->pid = pid_tgid >> 32;
	info->tid = (__u32)pid_tgid;
	info->cgroup_id = bpf_get_current_cgroup_id();
	info->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	bpf_get_current_comm(info->comm, sizeof(info->comm));
}

static __always_inline struct ctopo_event *reserve_event(__u8 type)
{
	struct ctopo_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		stat_inc(type); /* the lost counter of this event type */
		return NULL;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = bpf_ktime_get_ns();
	ev->type = type;
	return ev;
}

static __always_inline void submit_event(struct ctopo_event *ev)
{
	__u64 flags = 0;

	if (wakeup_bytes)
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(ev, flags);
}

static __always_inline void copy_process(struct ctopo_event *ev, const struct sock_info *info)
{
	ev->pid = info->pid;
	ev->tid = info->tid;
	ev->mntns = info->mntns;
	ev->cgroup_id = info->cgroup_id;
	ev->direction = info->direction;
	__builtin_memcpy(ev->comm, info->comm, sizeof(ev->comm));
}

/* The 4-tuple and netns straight from the socket: right in any context, softirq included. */
static __always_inline void read_tuple(struct ctopo_event *ev, struct sock *sk)
{
	ev->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	ev->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (ev->family == AF_INET) {
		bpf_core_read(ev->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(ev->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(ev->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(ev->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* The tuple as inet_sock_set_state's own record takes it (TP_fast_assign in
 * include/trace/events/sock.h): the source port from inet_sport, which a socket keeps after it
 * gave up its local port (skc_num) on the way to CLOSE. */
static __always_inline void read_state_tuple(struct ctopo_event *ev, struct sock *sk, __u16 family)
{
	struct inet_sock *inet = (struct inet_sock *)sk;

	ev->family = family;
	ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	ev->sport = __builtin_bswap16(BPF_CORE_READ(inet, inet_sport));
	ev->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		bpf_core_read(ev->saddr, 4, &inet->inet_saddr);
		bpf_core_read(ev->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(ev->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(ev->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Payload bytes only: tcp_sock counts the FIN in bytes_received and retransmissions in
 * bytes_sent, so a close reports exactly what the application wrote and read. */
static __always_inline void read_byte_counts(struct ctopo_event *ev, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	unsigned long flags = BPF_CORE_READ(sk, __sk_common.skc_flags);
	__u64 received = BPF_CORE_READ(tp, bytes_received);

	if (received && (flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))))
		received--; /* the peer's FIN arrived */
	ev->bytes_received = received;
	ev->bytes_sent = BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
}

/* ---- per-edge counters: exact counts whatever the ring buffer loses (issue 14) ------------- */

struct edge_counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CTOPO_EDGE_MAP_ENTRIES);
	__type(key, struct ctopo_edge_key);
	__type(value, struct ctopo_edge_counts);
};

/* counted into edge_counts_0 while edge_gen is even, edge_counts_1 while odd; user space drains
 * the other one, an interval after it flipped edge_gen (include/ctopo_edge.h) */
struct edge_counts_map edge_counts_0 SEC(".maps");
struct edge_counts_map edge_counts_1 SEC(".maps");
__u32 edge_gen = 0;
__u64 edge_map_full = 0; /* keys that found the map full: their counts are missing */

enum edge_count_kind { EDGE_OPENED, EDGE_REFUSED, EDGE_TIMED_OUT, EDGE_FAILED, EDGE_CLOSED };

#define ECONNREFUSED 111
#define ETIMEDOUT 110

static __always_inline void edge_add(void *map, const struct ctopo_edge_key *key, enum edge_count_kind kind)
{
	struct ctopo_edge_counts *c = bpf_map_lookup_elem(map, key);

	if (!c) {
		struct ctopo_edge_counts zero = {};

		if (bpf_map_update_elem(map, key, &zero, BPF_NOEXIST) && !bpf_map_lookup_elem(map, key)) {
			__sync_fetch_and_add(&edge_map_full, 1);
			return;
		}
		c = bpf_map_lookup_elem(map, key);
		if (!c)
			return;
	}
	switch (kind) {
	case EDGE_OPENED:
		__sync_fetch_and_add(&c->opened, 1);
		break;
	case EDGE_REFUSED:
		__sync_fetch_and_add(&c->refused, 1);
		break;
	case EDGE_TIMED_OUT:
		__sync_fetch_and_add(&c->timed_out, 1);
		break;
	case EDGE_FAILED:
		__sync_fetch_and_add(&c->failed, 1);
		break;
	case EDGE_CLOSED:
		__sync_fetch_and_add(&c->closed, 1);
		break;
	}
}

static __always_inline void edge_count(const struct ctopo_edge_key *key, enum edge_count_kind kind)
{
	if (edge_gen & 1)
		edge_add(&edge_counts_1, key, kind);
	else
		edge_add(&edge_counts_0, key, kind);
}

/* The key as user space derives it from the event (src/edges: edge_key_from_event): the process
 * from what we remember of the socket (zero when we do not), the server from the tuple. */
static __always_inline void edge_key_fill(struct ctopo_edge_key *key, const struct sock_info *info, __u32 netns,
					  __u16 family, __u8 role)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->netns = netns;
	key->family = family;
	key->role = role;
	if (info) {
		key->cgroup_id = info->cgroup_id;
		key->mntns = info->mntns;
		__builtin_memcpy(key->comm, info->comm, sizeof(key->comm));
	}
}

/* From inet_sock_set_state: connect, connect_failed and close (a close of a socket we never saw
 * open has no side and is not counted, as in user space). */
static __always_inline void edge_count_state(struct sock *sk, __u16 family, const struct sock_info *info, __u8 type)
{
	struct ctopo_edge_key key;
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	__u8 role = CTOPO_EDGE_CLIENT;
	enum edge_count_kind kind = EDGE_OPENED;

	if (type == CTOPO_EV_CLOSE) {
		if (!info || (info->direction != CTOPO_DIR_OUTBOUND && info->direction != CTOPO_DIR_INBOUND))
			return;
		role = info->direction == CTOPO_DIR_OUTBOUND ? CTOPO_EDGE_CLIENT : CTOPO_EDGE_SERVER;
		kind = EDGE_CLOSED;
	} else if (type == CTOPO_EV_CONNECT_FAILED) {
		int err = BPF_CORE_READ(sk, sk_err);

		kind = err == ECONNREFUSED ? EDGE_REFUSED : err == ETIMEDOUT ? EDGE_TIMED_OUT : EDGE_FAILED;
	}
	edge_key_fill(&key, info, netns, family, role);
	if (role == CTOPO_EDGE_CLIENT) {
		key.port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET)
			bpf_core_read(key.addr, 4, &sk->__sk_common.skc_daddr);
		else
			bpf_core_read(key.addr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		key.port = __builtin_bswap16(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	}
	edge_count(&key, kind);
}

/* From the accept exits: the server side opened. */
static __always_inline void edge_count_accept(struct sock *sk, const struct sock_info *info, __u16 family)
{
	struct ctopo_edge_key key;

	edge_key_fill(&key, info, BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum), family, CTOPO_EDGE_SERVER);
	key.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	edge_count(&key, EDGE_OPENED);
}

/* ---- end of the per-edge counters ----------------------------------------------------------- */

/* One state change of a TCP socket; sk is the socket, in any context (softirq included). */
static __always_inline void on_state_change(struct sock *sk, int oldstate, int newstate)
{
	__u64 skaddr = (__u64)sk;
	struct sock_info *info;
	struct ctopo_event *ev;
	__u16 family;
	__u8 type;

	if (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV) {
		type = 0;
	} else if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED) {
		type = CTOPO_EV_CONNECT;
	} else if (oldstate == TCP_SYN_SENT && newstate == TCP_CLOSE) {
		type = CTOPO_EV_CONNECT_FAILED;
	} else if (newstate == TCP_CLOSE && oldstate != TCP_LISTEN && oldstate != TCP_CLOSE) {
		type = CTOPO_EV_CLOSE;
	} else {
		return;
	}
	/* the raw tracepoint fires for every protocol built on inet_sock (the classic one filtered
	 * on this same field) */
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;

	if (newstate == TCP_SYN_SENT) {
		/* connect() caller's context: the one moment its pid is known */
		struct sock_info fresh = { .start_ns = bpf_ktime_get_ns(), .direction = CTOPO_DIR_OUTBOUND };

		fill_current_process(&fresh);
		bpf_map_update_elem(&socks, &skaddr, &fresh, BPF_ANY);
		return;
	}
	if (newstate == TCP_SYN_RECV) {
		/* a child of a listener, created in softirq: no process yet, accept() will tell */
		struct sock_info fresh = { .start_ns = bpf_ktime_get_ns(), .direction = CTOPO_DIR_INBOUND };

		bpf_map_update_elem(&socks, &skaddr, &fresh, BPF_ANY);
		return;
	}

	info = bpf_map_lookup_elem(&socks, &skaddr);
	if (type == CTOPO_EV_CLOSE && oldstate == TCP_SYN_RECV && (!info || !info->pid)) {
		/* A listener's child that dies in SYN_RECV before anyone accepted it never was a
		 * connection of its own: typically the loser of two CPUs completing the same handshake
		 * at once (the final ACK and the first data segment; inet_ehash_nolisten() closes the
		 * duplicate in softirq while the winner goes on to accept()), or a Fast Open child
		 * reset before accept(). The winner reports the connection; this one would be a stray
		 * pid-0 close on the same tuple. */
		bpf_map_delete_elem(&socks, &skaddr);
		return;
	}
	if (!info && type != CTOPO_EV_CLOSE)
		stat_inc(CTOPO_STAT_SOCK_UNTRACKED);
	edge_count_state(sk, family, info, type); /* before the ring: counted even when it is full */

	ev = reserve_event(type);
	if (ev) {
		read_state_tuple(ev, sk, family);
		if (info) {
			copy_process(ev, info);
			if (type != CTOPO_EV_CONNECT)
				ev->duration_ns = ev->ts_ns - info->start_ns;
		}
		if (type == CTOPO_EV_CONNECT_FAILED) {
			ev->error = BPF_CORE_READ(sk, sk_err);
			ev->direction = CTOPO_DIR_OUTBOUND;
		}
		if (type == CTOPO_EV_CLOSE)
			read_byte_counts(ev, sk);
		submit_event(ev);
	}
	if (type != CTOPO_EV_CONNECT)
		bpf_map_delete_elem(&socks, &skaddr);
}

/* The kernel runs a BPF program at most once per CPU at a time: when a softirq interrupts the
 * program in process context (connect(), close()) and changes other sockets' states, those runs
 * of the same program are skipped, counted only in its recursion_misses. Measured on a loopback
 * storm: 144 skips in 10,799 connections, each a connect or a close nobody saw. So a second
 * program on the same tracepoint redoes exactly the state changes the first one did not see.
 *
 * It tells them apart by a small per-CPU table of the changes the first program took: a change is
 * the tracepoint's (args address, socket, old and new state). Both programs of one change get the
 * same args address (the same frame of the tracepoint's caller); a change nested in another runs
 * on another stack (the softirq's, not the task's). The first program records the change it takes
 * in place of any entry of its own stack; the second finds it there and clears it, or does not
 * find it: the first program was skipped, and the second does the work.
 *
 * Why these rules: a flag set inside the first program's run leaves a window (the kernel marks a
 * program running a few instructions before its first one, and one softirq landing there carries
 * a batch of changes: ~150-190 lost in 3 of 10 storms); and the second program is itself skipped
 * for changes nested in its own run, so entries it never clears are left behind (one per stack,
 * as the next entry of that stack replaces it). A stack with a bounded depth that started over
 * when full dropped a pending entry of the interrupted context under such a batch, and its change
 * was counted twice (1 in ~350,000 connections). */
#define STATE_TAKEN_SLOTS 8
#define STATE_SAME_STACK 8192 /* args of one stack lie closer; kernel stacks are >= 16 KiB apart */

struct state_change_id {
	__u64 args;
	__u64 sk;
	__u64 states;
};

struct state_taken {
	__u32 next; /* where to write when every slot is in use (never seen) */
	struct state_change_id slot[STATE_TAKEN_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct state_taken);
} state_taken SEC(".maps");

/* The verifier lets no arithmetic touch the context pointer: copied through a probe read, its
 * value is a plain number. */
static __always_inline __u64 address_of(const void *ptr)
{
	__u64 p = (__u64)ptr, a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

static __always_inline struct state_change_id state_change_id_of(const struct bpf_raw_tracepoint_args *ctx)
{
	return (struct state_change_id){ .args = address_of(ctx),
					 .sk = ctx->args[0],
					 .states = (ctx->args[1] << 32) | (__u32)ctx->args[2] };
}

static __always_inline struct state_taken *this_cpu_state_taken(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&state_taken, &zero);
}

SEC("raw_tp/inet_sock_set_state")
int on_inet_sock_set_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct state_taken *taken = this_cpu_state_taken();
	struct state_change_id id = state_change_id_of(ctx);

	if (taken) {
		int same = -1, empty = -1;

#pragma unroll
		for (int i = 0; i < STATE_TAKEN_SLOTS; i++) {
			__u64 args = taken->slot[i].args;

			if (!args)
				empty = i;
			else if (args - id.args + STATE_SAME_STACK < 2 * STATE_SAME_STACK)
				same = i; /* this stack's: its change is over (this one runs after it) */
		}
		if (same < 0)
			same = empty;
		if (same < 0)
			same = taken->next++ & (STATE_TAKEN_SLOTS - 1);
		if (same >= 0 && same < STATE_TAKEN_SLOTS)
			taken->slot[same] = id;
	}
	on_state_change((struct sock *)ctx->args[0], (int)ctx->args[1], (int)ctx->args[2]);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int on_inet_sock_set_state_nested(struct bpf_raw_tracepoint_args *ctx)
{
	struct state_taken *taken = this_cpu_state_taken();
	struct state_change_id id = state_change_id_of(ctx);

	if (!taken)
		return 0;
#pragma unroll
	for (int i = 0; i < STATE_TAKEN_SLOTS; i++) {
		struct state_change_id *t = &taken->slot[i];

		if (t->args == id.args && t->sk == id.sk && t->states == id.states) {
			t->args = 0; /* taken by the first program */
			return 0;
		}
	}
	stat_inc(CTOPO_STAT_STATE_NESTED);
	on_state_change((struct sock *)ctx->args[0], (int)ctx->args[1], (int)ctx->args[2]);
	return 0;
}

/* The struct sock behind file descriptor fd of the current task, or NULL. */
static __always_inline struct sock *sock_of_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

static __always_inline int on_accept_exit(struct syscall_exit_ctx *ctx)
{
	long fd = ctx->ret;
	struct sock *sk;
	struct sock_info *info, fresh = {};
	struct ctopo_event *ev;
	__u64 skaddr;
	__u16 family;

	if (fd < 0)
		return 0;
	sk = sock_of_fd(fd);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != AF_INET && family != AF_INET6) || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;

	skaddr = (__u64)sk;
	info = bpf_map_lookup_elem(&socks, &skaddr);
	if (info) {
		/* in place: replacing an LRU entry costs a free-list round trip per connection */
		fill_current_process(info);
		info->direction = CTOPO_DIR_INBOUND;
	} else {
		/* accepted from a queue filled before we attached: count its life from now */
		fresh.start_ns = bpf_ktime_get_ns();
		fill_current_process(&fresh);
		fresh.direction = CTOPO_DIR_INBOUND;
		bpf_map_update_elem(&socks, &skaddr, &fresh, BPF_ANY);
		info = &fresh;
	}
	edge_count_accept(sk, info, family);

	ev = reserve_event(CTOPO_EV_ACCEPT);
	if (!ev)
		return 0;
	read_tuple(ev, sk);
	copy_process(ev, info);
	submit_event(ev);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int on_sys_exit_accept4(struct syscall_exit_ctx *ctx)
{
	return on_accept_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int on_sys_exit_accept(struct syscall_exit_ctx *ctx)
{
	return on_accept_exit(ctx);
}
