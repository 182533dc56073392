/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon under least privilege and against forged conntrack messages (docs/security.md):
 * - started with exactly the systemd unit's capability bounding set (read from the built unit),
 *   it loads BPF, and once running holds only the capabilities it keeps (daemon/privileges.h),
 *   no ambient or inheritable ones, and no_new_privs;
 * - it still does its work with them: network namespaces made after it started (setns, sock_diag,
 *   conntrack opened there) show their connections, paired, and a DNAT resolved;
 * - a ctnetlink message another process sends to its conntrack socket in such a namespace, as a
 *   unicast to the socket's port id and as a multicast to the conntrack group (which root in the
 *   namespace may do), is dropped and counted (`ctopo stats`: conntrack_rejected), and the NAT
 *   view stays as the kernel tells it. The same bytes applied without the sender check are
 *   believed, so it is the check, not a broken message, that stops them. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/addr.h"
#include "conns/conntable.h"
#include "daemon/privileges.h"
#include "itest.h"
#include "net/nat.h"

#define NS_SERVER "ctopo-h17-srv"
#define NS_CLIENT "ctopo-h17-cli"
#define SERVER_V4 "10.217.0.1"
#define CLIENT_V4 "10.217.0.2"
#define FAKE_V4 "10.217.0.66"
#define PUBLISHED_PORT 18480 /* 127.0.0.1 in the client's namespace, DNAT to the server */
#define SERVER_PORT 18481

static char workdir[] = "/tmp/ctopo-h17.XXXXXX";
static char sock_path[256], log_path[256], unit_caps[1024];
static uint64_t unit_mask;
static pid_t daemon_pid, server_pid, client_pid;
static int client_hold_fd = -1, server_hold_fd = -1;
static uint16_t nat_port, plain_port; /* the client's local ports */

/* ---------------------------------------------------------------- peers */

static int connect_to(const char *addr, uint16_t port, uint16_t *ret_local_port)
{
	struct sockaddr_storage ss, me;
	socklen_t len, melen = sizeof(me);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	itest_sockaddr(AF_INET, addr, port, &ss, &len);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &melen) < 0)
		return -1;
	*ret_local_port = ntohs(((struct sockaddr_in *)&me)->sin_port);
	return fd;
}

/* One connection through the DNAT, one straight to the server; both held open. */
static void client_main(int report_fd, int hold_fd)
{
	uint16_t ports[2];
	char c;

	if (itest_netns_enter(NS_CLIENT) < 0)
		_exit(20);
	if (connect_to("127.0.0.1", PUBLISHED_PORT, &ports[0]) < 0 || connect_to(SERVER_V4, SERVER_PORT, &ports[1]) < 0)
		_exit(21);
	if (write(report_fd, ports, sizeof(ports)) != sizeof(ports))
		_exit(22);
	while (read(hold_fd, &c, 1) > 0)
		;
	_exit(0);
}

static pid_t start_client(int *ret_hold_fd, uint16_t ports[2])
{
	int report[2], hold[2];
	pid_t pid;

	if (pipe(report) < 0 || pipe(hold) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(report[0]);
		close(hold[1]);
		client_main(report[1], hold[0]);
	}
	close(report[1]);
	close(hold[0]);
	*ret_hold_fd = hold[1];
	if (pid < 0 || read(report[0], ports, 2 * sizeof(uint16_t)) != 2 * sizeof(uint16_t))
		pid = -1;
	close(report[0]);
	return pid;
}

static void stop_peer(pid_t *pid, int *hold_fd)
{
	if (*hold_fd >= 0)
		close(*hold_fd);
	if (*pid > 0)
		itest_wait(*pid);
	*pid = 0;
	*hold_fd = -1;
}

/* ---------------------------------------------------------------- the daemon */

static int ctopo(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ctopo(const char *fmt, ...)
{
	char args[3072];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return itest_sh("%s %s", getenv("CTOPO_BIN"), args);
}

/* Poll a shell check every 200 ms for up to 15 s (readiness, not timing). */
static bool eventually(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool eventually(const char *what, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	for (int i = 0; i < 75; i++) {
		if (system(cmd) == 0)
			return true;
		usleep(200000);
	}
	fprintf(stderr, "never true: %s\n", what);
	itest_sh("%s", cmd); /* once more, with its output */
	return false;
}

/* "{CapEff: 0x..., ...}" of /proc/PID/status: one hex field. */
static uint64_t status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	unsigned long long v = ~0ull;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ':')
			v = strtoull(line + strlen(field) + 1, NULL, 16);
	fclose(f);
	return v;
}

/* ---------------------------------------------------------------- the forged message */

/* A ctnetlink NEW event as the kernel sends them: the flow CLIENT:cport -> SERVER:18481
 * (untranslated in truth) claimed to be DNATed to FAKE:666. */
static size_t forge_ct_new(char *buf, uint16_t cport)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfh;
	struct in_addr client, server, fake;
	struct {
		struct in_addr *src, *dst;
		uint16_t sport, dport;
		uint16_t type;
	} tuples[2] = {
		{ &client, &server, cport, SERVER_PORT, CTA_TUPLE_ORIG },
		{ &fake, &client, 666, cport, CTA_TUPLE_REPLY },
	};

	inet_pton(AF_INET, CLIENT_V4, &client);
	inet_pton(AF_INET, SERVER_V4, &server);
	inet_pton(AF_INET, FAKE_V4, &fake);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL; /* an event: no NLM_F_REQUEST, the kernel ignores it */
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_INET;
	nfh->version = NFNETLINK_V0;
	for (int i = 0; i < 2; i++) {
		struct nlattr *t = mnl_attr_nest_start(nlh, tuples[i].type), *n;

		n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, tuples[i].src->s_addr);
		mnl_attr_put_u32(nlh, CTA_IP_V4_DST, tuples[i].dst->s_addr);
		mnl_attr_nest_end(nlh, n);
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(tuples[i].sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(tuples[i].dport));
		mnl_attr_nest_end(nlh, n);
		mnl_attr_nest_end(nlh, t);
	}
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_DST_NAT | IPS_DST_NAT_DONE));
	return nlh->nlmsg_len;
}

static bool holds_socket(pid_t pid, unsigned long inode)
{
	char want[64], path[64], link[64];
	bool found = false;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	for (int fd = 0; fd < 4096 && !found; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	return found;
}

/* In the client's namespace: find the daemon's conntrack event socket (/proc/net/netlink:
 * protocol 12, groups set, an inode the daemon holds) and send it msg both ways. Exit status: how
 * many messages went out. */
static void forger_main(const char *msg, size_t len)
{
	char line[512];
	unsigned portid = 0;
	int sent = 0, fd;
	FILE *f;

	if (itest_netns_enter(NS_CLIENT) < 0)
		_exit(100);
	f = fopen("/proc/self/net/netlink", "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned proto, pid, groups;
		unsigned long inode;

		if (sscanf(line, "%*s %u %u %x %*s %*s %*s %*s %*s %lu", &proto, &pid, &groups, &inode) == 4 &&
		    proto == NETLINK_NETFILTER && groups && holds_socket(daemon_pid, inode))
			portid = pid;
	}
	if (f)
		fclose(f);
	if (!portid)
		_exit(101);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		_exit(102);
	/* unicast to the socket's port id: CAP_NET_ADMIN over the namespace may */
	if (sendto(fd, msg, len, 0,
		   (struct sockaddr *)&(struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_pid = portid },
		   sizeof(struct sockaddr_nl)) == (ssize_t)len)
		sent++;
	/* to the conntrack NEW group: root in the namespace may */
	if (sendto(fd, msg, len, 0,
		   (struct sockaddr *)&(struct sockaddr_nl){ .nl_family = AF_NETLINK,
							     .nl_groups = NF_NETLINK_CONNTRACK_NEW },
		   sizeof(struct sockaddr_nl)) == (ssize_t)len)
		sent++;
	close(fd);
	_exit(sent);
}

/* ---------------------------------------------------------------- tests */

static void keeps_only_the_capabilities_it_needs(void **state)
{
	struct privileges mine;
	uint64_t want;
	char got_s[512], want_s[512];

	(void)state;
	assert_int_equal(privileges_get(&mine), 0);
	want = mine.permitted & unit_mask & DAEMON_KEPT_CAPABILITIES;
	assert_int_equal(want, mine.permitted & DAEMON_KEPT_CAPABILITIES); /* the unit grants them all */
	privileges_format(status_field(daemon_pid, "CapEff"), got_s, sizeof(got_s));
	privileges_format(want, want_s, sizeof(want_s));
	fprintf(stderr, "daemon capabilities: %s (the test has %#llx)\n", got_s, (unsigned long long)mine.permitted);
	assert_string_equal(got_s, want_s);
	assert_int_equal(status_field(daemon_pid, "CapPrm"), want);
	assert_int_equal(status_field(daemon_pid, "CapInh"), 0);
	assert_int_equal(status_field(daemon_pid, "CapAmb"), 0);
	if (unit_mask & mine.effective & CAP_BIT(CAP_SETPCAP))
		assert_int_equal(status_field(daemon_pid, "CapBnd"), mine.bounding & DAEMON_KEPT_CAPABILITIES);
	assert_int_equal(status_field(daemon_pid, "NoNewPrivs"), 1);
}

/* The namespaces were made after the daemon dropped its capabilities. */
static void works_after_the_drop(void **state)
{
	(void)state;
	/* sock_diag in the new namespaces: the plain connection pairs with the server process */
	assert_true(eventually("the plain connection is paired with the server",
			       "%s ps --json --socket %s | jq -e --argjson s %d --argjson p %u "
			       "'[.host.connections[] | select(.local == \"" CLIENT_V4 ":\\($p)\" and "
			       ".peer.process.pid == $s and .nat == null)] | length == 1' >/dev/null",
			       getenv("CTOPO_BIN"), sock_path, (int)server_pid, plain_port));
	/* conntrack opened in the new namespace: the DNAT resolves */
	assert_true(eventually("the DNAT is resolved",
			       "%s ps --json --socket %s | jq -e --argjson p %u "
			       "'[.host.connections[] | select(.local == \"127.0.0.1:\\($p)\" and "
			       ".nat.translated_remote == \"" SERVER_V4 ":%d\")] | length == 1' >/dev/null",
			       getenv("CTOPO_BIN"), sock_path, nat_port, SERVER_PORT));
}

static void forged_conntrack_is_dropped_and_counted(void **state)
{
	char msg[8192];
	size_t len = forge_ct_new(msg, plain_port);
	struct conn_key key;
	struct nat_translation x;
	struct nat *nat;
	uint8_t l[16] = { 0 }, r[16] = { 0 };
	pid_t pid;

	(void)state;
	/* believed when nobody asks who sent it */
	inet_pton(AF_INET, CLIENT_V4, l);
	inet_pton(AF_INET, SERVER_V4, r);
	conn_key_init(&key, 7, AF_INET, l, plain_port, r, SERVER_PORT);
	assert_int_equal(nat_new_empty(&nat), 0);
	assert_int_equal(nat_apply_netlink(nat, 7, msg, len), 1);
	assert_int_equal(nat_lookup(nat, &key, &x), 0);
	assert_true(x.dnat);
	nat_free(nat);

	assert_int_equal(ctopo("stats --socket %s | jq -e '.conntrack_rejected == 0' >/dev/null", sock_path), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		forger_main(msg, len);
	assert_int_equal(itest_wait(pid), 2);
	assert_true(eventually("both forged messages are counted",
			       "%s stats --socket %s | jq -e '.conntrack_rejected == 2' >/dev/null",
			       getenv("CTOPO_BIN"), sock_path));
	/* two reports later: the plain connection is still untranslated, the DNAT still the kernel's */
	sleep(2);
	assert_int_equal(ctopo("ps --json --socket %s | jq -e --argjson p %u "
			       "'[.host.connections[] | select(.local == \"" CLIENT_V4 ":\\($p)\" and .nat == null)] "
			       "| length == 1' >/dev/null",
			       sock_path, plain_port),
			 0);
	assert_int_equal(ctopo("ps --json --socket %s | jq -e '[.. | strings | select(contains(\"" FAKE_V4 "\"))] "
			       "| length == 0' >/dev/null",
			       sock_path),
			 0);
	assert_int_equal(ctopo("ps --json --socket %s | jq -e --argjson p %u "
			       "'[.host.connections[] | select(.local == \"127.0.0.1:\\($p)\" and "
			       ".nat.translated_remote == \"" SERVER_V4 ":%d\")] | length == 1' >/dev/null",
			       sock_path, nat_port, SERVER_PORT),
			 0);
}

/* ---------------------------------------------------------------- setup */

/* The systemd unit's CapabilityBoundingSet as setpriv's "-all,+bpf,+perfmon,...", and as a mask. */
static int unit_capabilities(char *buf, size_t size, uint64_t *ret_mask)
{
	char path[512], line[1024], *tok, *save = NULL;
	size_t used;
	FILE *f;

	snprintf(path, sizeof(path), "%s/src/ctopo.service", getenv("CTOPO_BUILD"));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*ret_mask = 0;
	used = (size_t)snprintf(buf, size, "-all");
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CapabilityBoundingSet=", 22))
			continue;
		for (tok = strtok_r(line + 22, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			char name[64] = "";

			for (size_t i = 0; i < sizeof(name) - 1 && tok[i + 4]; i++)
				name[i] = (char)tolower((unsigned char)tok[i + 4]), name[i + 1] = '\0';
			used += (size_t)snprintf(buf + used, size - used, ",+%s", name);
			for (int cap = 0; cap < 64; cap++) {
				char known[64];

				privileges_format(CAP_BIT(cap), known, sizeof(known));
				if (!strcmp(known, name))
					*ret_mask |= CAP_BIT(cap);
			}
		}
	}
	fclose(f);
	return *ret_mask ? 0 : -ENOENT;
}

/* The daemon as the unit starts it: its bounding set, nothing inheritable, no_new_privs. */
static int start_daemon(void)
{
	if (unit_capabilities(unit_caps, sizeof(unit_caps), &unit_mask) < 0)
		return -1;
	fprintf(stderr, "the unit's capabilities: %s\n", unit_caps);
	snprintf(sock_path, sizeof(sock_path), "%s/ctopo.sock", workdir);
	snprintf(log_path, sizeof(log_path), "%s/daemon.log", workdir);
	daemon_pid = fork();
	if (daemon_pid < 0)
		return -1;
	if (daemon_pid == 0) {
		char state_dir[256];
		int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		snprintf(state_dir, sizeof(state_dir), "%s/state", workdir);
		if (log < 0 || dup2(log, 2) < 0)
			_exit(127);
		execlp("setpriv", "setpriv", "--bounding-set", unit_caps, "--inh-caps", "-all", "--ambient-caps",
		       "-all", "--no-new-privs", getenv("CTOPO_BIN"), "daemon", "--socket", sock_path, "--state-dir",
		       state_dir, "--no-docker", "--interval", "1", (char *)NULL);
		_exit(127);
	}
	if (!eventually("the daemon is ready", "grep -q ready %s", log_path)) {
		itest_sh("cat %s", log_path);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	uint16_t ports[2];

	(void)state;
	if (!mkdtemp(workdir) || start_daemon() < 0)
		return -1;
	if (!itest_netns_create(NS_SERVER) || !itest_netns_create(NS_CLIENT))
		return -1;
	if (itest_veth_link(NS_SERVER, "c17h0", SERVER_V4, "fd17:1::1", NS_CLIENT, "c17h1", CLIENT_V4, "fd17:1::2") < 0)
		return -1;
	if (itest_loopback_dnat(NS_CLIENT, "c17h1", PUBLISHED_PORT, SERVER_V4, SERVER_PORT))
		return -1;
	server_pid = itest_tcp_server(NS_SERVER, SERVER_V4, SERVER_PORT, &server_hold_fd);
	client_pid = server_pid > 0 ? start_client(&client_hold_fd, ports) : -1;
	if (server_pid <= 0 || client_pid <= 0)
		return -1;
	nat_port = ports[0];
	plain_port = ports[1];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_peer(&client_pid, &client_hold_fd);
	stop_peer(&server_pid, &server_hold_fd);
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		if (itest_wait(daemon_pid) != 0)
			itest_sh("cat %s", log_path);
	}
	itest_netns_delete(NS_SERVER);
	itest_netns_delete(NS_CLIENT);
	itest_sh("rm -rf %s", workdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_only_the_capabilities_it_needs),
		cmocka_unit_test(works_after_the_drop),
		cmocka_unit_test(forged_conntrack_is_dropped_and_counted),
	};

	itest_require_root("test_hardening");
	itest_ensure_tracefs();
	signal(SIGPIPE, SIG_IGN);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
