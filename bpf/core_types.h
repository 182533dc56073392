/* SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0 */
/* The few kernel types the tracker reads, declared by hand instead of a generated vmlinux.h.
 * preserve_access_index makes every field access a CO-RE relocation: libbpf rewrites the
 * offsets against the running kernel's BTF, so member order and padding here do not matter,
 * only names and types. */
#ifndef CTOPO_CORE_TYPES_H
#define CTOPO_CORE_TYPES_H

#define __KERNEL_TYPES_DEFINED
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

/* bpf_helpers.h needs only the map type and flag constants from uapi/linux/bpf.h */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };
/* bpf_ringbuf_submit() flags and bpf_ringbuf_query() fields (uapi linux/bpf.h, Linux 5.8) */
enum { BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2 };
enum { BPF_RB_AVAIL_DATA = 0 };

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

enum {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT = 2,
	TCP_SYN_RECV = 3,
	TCP_CLOSE = 7,
	TCP_LISTEN = 10,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
};

struct sock_common {
	__be32 skc_daddr; /* in anonymous unions in the kernel; CO-RE finds them by name */
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	unsigned long skc_flags; /* the kernel's sk_flags is a #define for this */
};

struct sock {
	struct sock_common __sk_common;
	int sk_err;
	__u16 sk_protocol;
};

/* the source port and address as inet_sock_set_state's record takes them (inet_sport keeps the
 * port after the socket gave up skc_num at CLOSE) */
struct inet_sock {
	struct sock sk;
	__be16 inet_sport;
	__be32 inet_saddr;
};

/* enum sock_flags: the value is relocated too (bpf_core_enum_value) */
enum sock_flags {
	SOCK_DONE = 1,
};

struct tcp_sock {
	__u64 bytes_received; /* includes the peer's FIN once it arrived */
	__u64 bytes_sent;     /* payload put on the wire, retransmissions included */
	__u64 bytes_retrans;
};

struct socket {
	struct sock *sk;
};

struct file {
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct mnt_namespace {
	struct ns_common ns;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

struct task_struct {
	struct files_struct *files;
	struct nsproxy *nsproxy;
};

#pragma clang attribute pop

/* A raw tracepoint's context: the tracepoint's arguments (uapi linux/bpf.h); for
 * inet_sock_set_state (const struct sock *sk, int oldstate, int newstate). */
struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

/* syscalls:sys_exit_accept{,4}: this layout is the tracepoint's format file, a stable ABI,
 * and has no BTF type to relocate against. */
struct syscall_exit_ctx {
	__u64 common;
	int syscall_nr;
	long ret;
};

#endif
