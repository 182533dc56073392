/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/PID/net/tcp and tcp6: the fallback snapshot and the --no-ebpf polling mode (what Scope
 * did). Polling only sees what is open at the moment of each poll: a connection that opens and
 * closes between two polls is invisible in that mode. */
#ifndef CTOPO_PROC_NET_TCP_H
#define CTOPO_PROC_NET_TCP_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's TCP states as /proc/net/tcp's "st" column numbers them. */
enum tcp_state_num {
	TCP_ST_ESTABLISHED = 1,
	TCP_ST_SYN_SENT = 2,
	TCP_ST_SYN_RECV = 3,
	TCP_ST_FIN_WAIT1 = 4,
	TCP_ST_FIN_WAIT2 = 5,
	TCP_ST_TIME_WAIT = 6,
	TCP_ST_CLOSE = 7,
	TCP_ST_CLOSE_WAIT = 8,
	TCP_ST_LAST_ACK = 9,
	TCP_ST_LISTEN = 10,
	TCP_ST_CLOSING = 11,
};

struct proc_tcp_sock {
	uint16_t family; /* AF_INET or AF_INET6, as the file says (not normalised) */
	uint8_t state;   /* enum tcp_state_num */
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t local_addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint8_t remote_addr[16];
	uint32_t uid;
	uint64_t inode; /* 0 for sockets no file refers to (TIME_WAIT, request socks) */
};

/* One line of the file; family says which file it came from. 0, 1 for the header line,
 * -EINVAL when malformed. */
int proc_net_tcp_parse_line(const char *line, uint16_t family, struct proc_tcp_sock *ret);

/* Every line of a whole file's contents; fn is called for each socket. Malformed lines are
 * counted in *ret_malformed (may be NULL) and skipped. Returns the number of sockets, or the
 * first non-zero value fn returned (as is). */
typedef int (*proc_tcp_sock_fn)(const struct proc_tcp_sock *sock, void *userdata);
int proc_net_tcp_parse(const char *buf, size_t len, uint16_t family, proc_tcp_sock_fn fn, void *userdata,
		       unsigned *ret_malformed);

/* Read a whole /proc file (its size is 0 to stat) into a NUL-terminated buffer. 0 or -errno. */
/* /proc/net/tcp of 100k sockets is about 15 MB; past this something is wrong */
#define PROC_FILE_MAX (256u << 20)
int proc_read_file(const char *path, char **ret_buf, size_t *ret_len);

#endif
