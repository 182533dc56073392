/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker client and the registry against a real dockerd: containers on the bridge, sharing
 * another's netns, on the host's; their names, pids and namespaces; lookups of a process inside
 * each; start and stop seen through the events stream; dockerd restarted under a running client;
 * no socket and no permission.
 *
 * dockerd is started by docker_env.sh when none answers, and stopped again at the end only then. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/addr.h"
#include "common/util.h"
#include "containers/cgroup.h"
#include "containers/containers.h"
#include "containers/docker.h"
#include "itest.h"

#define IMAGE "ctopo-test/busybox:1"
#define PREFIX "ctopo-h4-it-"
#define SRV PREFIX "srv"
#define CLI PREFIX "cli"
#define SHARED PREFIX "shared"
#define HOSTNET PREFIX "host"
#define EVENTS PREFIX "events"
#define AFTER PREFIX "after"
#define PUBLISHED_PORT 18410
/* busybox as pid 1 ignores SIGTERM: without this, each stop (and dockerd's shutdown) waits 10 s */
#define RUN "docker run -d --stop-timeout 1 "

static char env_script[512];
static bool dockerd_was_running;
static struct containers *reg;
static struct docker_client *client;
static unsigned long wakeups; /* times the client's fd was readable */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* First line of a command's output, trailing newline removed; "" when it printed nothing. */
static char *run_out(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static char *run_out(char *buf, size_t size, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	buf[0] = 0;
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(buf, size, p))
		buf[0] = 0;
	pclose(p);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void docker_id(const char *name, char id[CONTAINER_ID_MAX + 1])
{
	run_out(id, CONTAINER_ID_MAX + 1, "docker inspect -f '{{.Id}}' %s", name);
	assert_int_equal(strlen(id), 64);
}

static pid_t docker_pid(const char *name)
{
	char buf[32];

	return atoi(run_out(buf, sizeof(buf), "docker inspect -f '{{.State.Pid}}' %s", name));
}

/* Drive the client the way the daemon's epoll loop will: wait for its fd, then process. */
static void pump(int ms)
{
	struct pollfd pfd = { .fd = docker_client_fd(client), .events = POLLIN };

	if (poll(&pfd, 1, ms) > 0) {
		wakeups++;
		assert_int_equal(docker_client_process(client), 0);
	}
}

typedef bool (*condition_fn)(const void *arg);

/* Pump until cond holds or deadline_ms pass; returns the time it took, or -1. */
static long pump_until(condition_fn cond, const void *arg, int deadline_ms)
{
	uint64_t start = now_ms();

	for (;;) {
		if (cond(arg))
			return now_ms() - start;
		if (now_ms() - start >= (uint64_t)deadline_ms)
			return -1;
		pump(10);
	}
}

struct expect_state {
	const char *id;
	enum container_state state;
	pid_t pid; /* 0: any */
};

static bool has_state(const void *arg)
{
	const struct expect_state *e = arg;
	const struct container *c = containers_find_by_id(reg, e->id);

	return c && c->state == e->state && (!e->pid || c->pid == e->pid);
}

static const struct container *expect_container(const char *name)
{
	char id[CONTAINER_ID_MAX + 1];
	const struct container *c;
	pid_t pid;

	docker_id(name, id);
	c = containers_find_by_id(reg, id);
	assert_non_null(c);
	assert_string_equal(c->name, name);
	assert_string_equal(c->image, IMAGE);
	assert_int_equal(c->source, CONTAINER_SOURCE_DOCKER);
	assert_int_equal(c->state, CONTAINER_RUNNING);
	pid = docker_pid(name);
	assert_true(pid > 0);
	assert_int_equal(c->pid, pid);
	assert_int_equal(c->mntns, itest_ns_inode(pid, "mnt"));
	assert_int_equal(c->netns, itest_ns_inode(pid, "net"));
	assert_non_null(c->cgroup_path);
	assert_non_null(strstr(c->cgroup_path, id));
	return c;
}

static void remove_test_containers(void)
{
	if (system("docker ps -aq --filter name=^" PREFIX " | xargs -r docker rm -f >/dev/null 2>&1") == -1)
		perror("system");
}

static int setup(void **state)
{
	const char *src = getenv("CTOPO_SRC");

	(void)state;
	itest_require_root("test_docker");
	snprintf(env_script, sizeof(env_script), "%s/tests/integration/docker_env.sh", src ? src : ".");
	dockerd_was_running = itest_sh("bash %s running", env_script) == 0;
	if (itest_sh("bash %s start", env_script) || itest_sh("bash %s image", env_script))
		return -1;
	remove_test_containers();
	if (itest_sh(RUN "--name " SRV " --restart always -l com.docker.compose.project=ctopo-it "
			 "-l com.docker.compose.service=web -p 127.0.0.1:%d:8080 " IMAGE " httpd -f -p 8080 -h /www"
			 " >/dev/null",
		     PUBLISHED_PORT) ||
	    itest_sh(RUN "--name " CLI " " IMAGE " sleep 600 >/dev/null") ||
	    itest_sh(RUN "--name " SHARED " --network container:" SRV " " IMAGE " sleep 600 >/dev/null") ||
	    itest_sh(RUN "--name " HOSTNET " --network host " IMAGE " sleep 600 >/dev/null"))
		return -1;
	if (containers_new(60ull * 1000000000ull, &reg) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	docker_client_free(client);
	containers_free(reg);
	remove_test_containers();
	if (!dockerd_was_running)
		itest_sh("bash %s stop", env_script);
	return 0;
}

static void initial_list(void **state)
{
	struct docker_client_options opts = { .watch_events = true };
	const struct container *srv, *cli, *shared, *host, *found[8];
	char srv_id[CONTAINER_ID_MAX + 1], ip[64];
	uint8_t bytes[16];
	uint16_t family;
	struct stat self_net;

	(void)state;
	assert_int_equal(docker_client_new(&opts, reg, &client), 0);
	assert_int_equal(docker_client_wait_synced(client, 10000), 0);
	assert_string_equal(docker_client_host(client), "unix:///var/run/docker.sock");
	assert_true(strlen(docker_client_api_version(client)) >= 4); /* negotiated, e.g. "1.41" */

	srv = expect_container(SRV);
	cli = expect_container(CLI);
	shared = expect_container(SHARED);
	host = expect_container(HOSTNET);
	docker_id(SRV, srv_id);

	/* every container has its own mount namespace, even when it shares the netns */
	assert_int_not_equal(shared->mntns, srv->mntns);
	assert_int_equal(shared->netns, srv->netns);
	assert_string_equal(shared->shares_netns_with, srv_id);
	snprintf(ip, sizeof(ip), "container:%.12s", srv_id);
	assert_memory_equal(shared->network_mode, ip, strlen(ip)); /* Docker gives the full id */
	assert_int_not_equal(cli->netns, srv->netns);
	assert_int_equal(stat("/proc/self/ns/net", &self_net), 0);
	assert_int_equal(host->netns, self_net.st_ino);
	assert_string_equal(host->network_mode, "host");
	assert_string_equal(container_label(srv, "com.docker.compose.service"), "web");

	assert_int_equal(containers_find_by_netns(reg, srv->netns, found, 8), 2);
	assert_true((found[0] == srv && found[1] == shared) || (found[0] == shared && found[1] == srv));
	assert_int_equal(containers_find_by_netns(reg, cli->netns, found, 8), 1);

	run_out(ip, sizeof(ip), "docker inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' %s", SRV);
	assert_int_equal(addr_parse(ip, &family, bytes), 0);
	assert_ptr_equal(containers_find_by_ip(reg, family, bytes), srv);
}

/* A `sleep` in mntns other than except, or 0 (not the runc that is still setting it up). */
static pid_t find_sleep_in_mntns(uint64_t mntns, pid_t except)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	assert_non_null(d);
	while (!found && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		char path[64], comm[32] = "";
		FILE *f;

		if (pid <= 0 || pid == except || itest_ns_inode(pid, "mnt") != mntns)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		f = fopen(path, "re");
		if (f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "sleep\n"))
			found = pid;
		if (f)
			fclose(f);
	}
	closedir(d);
	return found;
}

/* `docker exec` a process into each container; find it by pid, mount namespace and cgroup. */
static void lookups_of_a_process_inside(void **state)
{
	static const char *const names[] = { SRV, CLI, SHARED, HOSTNET };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char id[CONTAINER_ID_MAX + 1];
		const struct container *c;
		struct cgroup_info cg = { 0 };
		uint64_t cgroup_id = 0, deadline;
		pid_t pid = 0;

		docker_id(names[i], id);
		c = containers_find_by_id(reg, id);
		assert_non_null(c);
		assert_int_equal(itest_sh("docker exec -d %s sleep 30", names[i]), 0);
		for (deadline = now_ms() + 5000; !pid && now_ms() < deadline; usleep(20000))
			pid = find_sleep_in_mntns(c->mntns, c->pid);
		assert_true(pid > 0);

		/* the exact key the tracker reports */
		assert_ptr_equal(containers_find_by_mntns(reg, itest_ns_inode(pid, "mnt")), c);
		/* by pid: its cgroup names the container (on v1 here, and v2 where runc puts it) */
		assert_int_equal(cgroup_read_pid(pid, &cg), 0);
		assert_string_equal(cg.container_id, id);
		assert_ptr_equal(containers_find_by_pid(reg, pid), c);
		/* by cgroup id: the inode of its v2 cgroup, when the process has a v2 cgroup of its own
		 * (on hybrid hosts where it stays in the v2 root there is none and the id is 0) */
		assert_int_equal(cgroup_v2_id(cg.v2_path, &cgroup_id), 0);
		if (cgroup_id) {
			assert_int_equal(c->cgroup_id, cgroup_id);
			assert_ptr_equal(containers_find_by_cgroup_id(reg, cgroup_id), c);
		} else {
			print_message("%s: no cgroup v2 directory of its own; cgroup id lookup not possible\n",
				      names[i]);
			assert_int_equal(c->cgroup_id, 0);
		}
		cgroup_info_done(&cg);
	}
}

/* The promise: a container's start and stop reach the registry within 1 s. */
static void start_and_stop_seen_within_a_second(void **state)
{
	char id[CONTAINER_ID_MAX + 1];
	struct expect_state e = { .id = id };
	const struct container *c;
	uint64_t mntns;
	long took_start, took_stop;

	(void)state;
	assert_int_equal(itest_sh(RUN "--name " EVENTS " " IMAGE " sleep 600 >/dev/null"), 0);
	docker_id(EVENTS, id);
	e.state = CONTAINER_RUNNING;
	e.pid = docker_pid(EVENTS);
	took_start = pump_until(has_state, &e, 1000);
	assert_true(took_start >= 0);
	c = containers_find_by_id(reg, id);
	assert_string_equal(c->name, EVENTS);
	assert_int_equal(c->mntns, itest_ns_inode(e.pid, "mnt"));
	mntns = c->mntns;

	assert_int_equal(itest_sh("docker kill %s >/dev/null", EVENTS), 0);
	e.state = CONTAINER_STOPPED;
	e.pid = 0;
	took_stop = pump_until(has_state, &e, 1000);
	assert_true(took_stop >= 0);
	print_message("start seen %ld ms after `docker run` returned, stop %ld ms after `docker kill`\n", took_start,
		      took_stop);

	/* removed: the record stays for the retention time, so its connections keep a name */
	assert_int_equal(itest_sh("docker rm %s >/dev/null", EVENTS), 0);
	for (uint64_t until = now_ms() + 300; now_ms() < until;)
		pump(10); /* the destroy event */
	c = containers_find_by_mntns(reg, mntns);
	assert_non_null(c);
	assert_string_equal(c->name, EVENTS);
	assert_int_equal(c->state, CONTAINER_STOPPED);
}

/* Synced and nothing happening: the fd stays quiet, the loop sleeps. */
static void idle_client_sleeps(void **state)
{
	uint64_t until = now_ms() + 2000;

	(void)state;
	assert_int_equal(docker_client_state(client), DOCKER_CLIENT_SYNCED);
	wakeups = 0;
	while (now_ms() < until)
		pump(until - now_ms());
	print_message("%lu wakeups in 2 s of an idle, synced client\n", wakeups);
	assert_true(wakeups < 10);
}

static bool has_name(const void *arg)
{
	const char *const *pair = arg;
	const struct container *c = containers_find_by_id(reg, pair[0]);

	return c && c->name && !strcmp(c->name, pair[1]);
}

static void pause_and_rename(void **state)
{
	char id[CONTAINER_ID_MAX + 1];
	struct expect_state e = { .id = id };
	const char *renamed[2] = { id, PREFIX "cli2" };

	(void)state;
	docker_id(CLI, id);
	assert_int_equal(itest_sh("docker pause %s >/dev/null", CLI), 0);
	e.state = CONTAINER_PAUSED;
	assert_true(pump_until(has_state, &e, 5000) >= 0);
	assert_int_equal(itest_sh("docker unpause %s >/dev/null", CLI), 0);
	e.state = CONTAINER_RUNNING;
	assert_true(pump_until(has_state, &e, 5000) >= 0);
	assert_int_equal(itest_sh("docker rename %s %s >/dev/null", CLI, renamed[1]), 0);
	assert_true(pump_until(has_name, renamed, 5000) >= 0);
	assert_int_equal(itest_sh("docker rename %s %s >/dev/null", renamed[1], CLI), 0);
	renamed[1] = CLI;
	assert_true(pump_until(has_name, renamed, 5000) >= 0);
}

static bool synced_again(const void *arg)
{
	const uint64_t *syncs_before = arg;
	struct docker_client_stats st;

	docker_client_get_stats(client, &st);
	return st.syncs > *syncs_before && docker_client_state(client) == DOCKER_CLIENT_SYNCED;
}

/* dockerd goes away and comes back while the client runs: it reconnects, lists again and the
 * registry is right again (new pids, the containers that did not come back stopped). */
static void dockerd_restart(void **state)
{
	struct docker_client_stats before, after;
	char srv_id[CONTAINER_ID_MAX + 1], cli_id[CONTAINER_ID_MAX + 1], after_id[CONTAINER_ID_MAX + 1];
	struct expect_state e;
	const struct container *srv, *cli;
	pid_t old_srv_pid, new_srv_pid, child;
	uint64_t start;
	long took;

	(void)state;
	docker_id(SRV, srv_id);
	docker_id(CLI, cli_id);
	old_srv_pid = containers_find_by_id(reg, srv_id)->pid;
	docker_client_get_stats(client, &before);
	(void)docker_client_take_news(client); /* the first sync's */

	/* restart in a child, so the client lives through the outage pumping as usual */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execlp("bash", "bash", env_script, "restart", (char *)NULL);
		_exit(127);
	}
	start = now_ms();
	while (waitpid(child, NULL, WNOHANG) == 0) {
		pump(50);
		assert_true(now_ms() - start < 120000);
	}
	took = pump_until(synced_again, &before.syncs, 30000);
	assert_true(took >= 0);
	docker_client_get_stats(client, &after);
	print_message("dockerd restart: %llu connection attempts, synced again %ld ms after dockerd answered\n",
		      (unsigned long long)(after.connect_attempts - before.connect_attempts), took);
	assert_true(after.disconnects > before.disconnects);
	/* news for the caller to say once each, however many attempts it took */
	assert_int_equal(docker_client_take_news(client), DOCKER_NEWS_LOST | DOCKER_NEWS_RESYNCED);
	/* backoff, not a spin: 0.2 s doubling to 5 s makes a handful of attempts per outage */
	assert_true(after.connect_attempts - before.connect_attempts < 30);

	/* srv has --restart always: back with a new pid, and the registry says so */
	new_srv_pid = docker_pid(SRV);
	for (start = now_ms(); new_srv_pid <= 0 && now_ms() - start < 10000; new_srv_pid = docker_pid(SRV))
		pump(50);
	assert_true(new_srv_pid > 0);
	assert_int_not_equal(new_srv_pid, old_srv_pid);
	e = (struct expect_state){ .id = srv_id, .state = CONTAINER_RUNNING, .pid = new_srv_pid };
	assert_true(pump_until(has_state, &e, 5000) >= 0);
	srv = containers_find_by_id(reg, srv_id);
	assert_int_equal(srv->mntns, itest_ns_inode(new_srv_pid, "mnt"));
	assert_int_equal(srv->netns, itest_ns_inode(new_srv_pid, "net"));
	/* cli has no restart policy: stopped, and still known by name */
	cli = containers_find_by_id(reg, cli_id);
	assert_non_null(cli);
	assert_int_equal(cli->state, CONTAINER_STOPPED);
	assert_string_equal(cli->name, CLI);

	/* the events stream is live again */
	assert_int_equal(itest_sh(RUN "--name " AFTER " " IMAGE " sleep 600 >/dev/null"), 0);
	docker_id(AFTER, after_id);
	e = (struct expect_state){ .id = after_id, .state = CONTAINER_RUNNING, .pid = docker_pid(AFTER) };
	assert_true(pump_until(has_state, &e, 1000) >= 0);
}

/* `ctopo containers` as a user runs it: the shared-netns container names its peer. */
static void containers_command(void **state)
{
	const char *bin = getenv("CTOPO_BIN");
	char cmd[1024], line[512];
	bool seen_shared = false, seen_host = false;
	FILE *p;

	(void)state;
	if (!bin) {
		skip();
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s containers 2>&1", bin);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, SHARED " ") && strstr(line, "container:" SRV " ") && strstr(line, "running"))
			seen_shared = true;
		if (strstr(line, HOSTNET " ") && strstr(line, " host "))
			seen_host = true;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(seen_shared);
	assert_true(seen_host);
}

/* Run fn in a child with stderr captured; returns what it wrote, and its exit status. */
static int run_captured(void (*fn)(void), char *out, size_t size)
{
	int pipefd[2], status;
	ssize_t n, total = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], out + total, size - 1 - total)) > 0)
		total += n;
	out[total] = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void unprivileged_client(void)
{
	struct docker_client *c = NULL;
	struct containers *r = NULL;

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		_exit(10);
	if (containers_new(0, &r) < 0 || docker_client_new(NULL, r, &c) < 0)
		_exit(11);
	if (docker_client_wait_synced(c, 5000) != -EACCES)
		_exit(12);
	if (docker_client_take_news(c) != DOCKER_NEWS_UNAVAILABLE ||
	    strcmp(docker_client_last_error(c), "Permission denied"))
		_exit(13);
	/* still usable: it retries quietly with backoff (no news), and frees cleanly */
	if (docker_client_wait_synced(c, 1000) != -EACCES || docker_client_state(c) != DOCKER_CLIENT_BACKOFF ||
	    docker_client_take_news(c) != 0)
		_exit(14);
	docker_client_free(c);
	containers_free(r);
}

static void ctopo_containers_unprivileged(void)
{
	const char *bin = getenv("CTOPO_BIN");

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		_exit(10);
	execl(bin, bin, "containers", (char *)NULL);
	_exit(127);
}

static void permission_denied(void **state)
{
	char err[2048];
	int status;

	(void)state;
	unsetenv("DOCKER_HOST");
	/* the client itself says nothing: the caller that decides does */
	status = run_captured(unprivileged_client, err, sizeof(err));
	assert_int_equal(status, 0);
	assert_string_equal(err, "");
	if (!getenv("CTOPO_BIN")) {
		skip();
		return;
	}
	/* ... once, in one line that says what to do */
	status = run_captured(ctopo_containers_unprivileged, err, sizeof(err));
	assert_int_equal(status, 0);
	assert_string_equal(err,
			    "ctopo: no Docker Engine at unix:///var/run/docker.sock (Permission denied): the list "
			    "holds nothing; start dockerd, or point --docker-host at its socket\n");
}

/* No socket where DOCKER_HOST points: one clear line, retries with backoff, and the moment a
 * Docker Engine answers there the client syncs. */
static void socket_missing_then_appears(void **state)
{
	char dir[] = "/tmp/ctopo-h4-sockXXXXXX", sock[128], host[160], err[2048];
	struct docker_client *c = NULL;
	struct docker_client_stats st;
	struct containers *r = NULL;
	int saved_stderr, fd, ret;
	char srv_id[CONTAINER_ID_MAX + 1];
	uint64_t start;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/docker.sock", dir);
	snprintf(host, sizeof(host), "unix://%s", sock);
	setenv("DOCKER_HOST", host, 1);
	assert_int_equal(containers_new(0, &r), 0);

	/* capture stderr around the client's first attempt */
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	assert_true(fd >= 0);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(docker_client_new(NULL, r, &c), 0); /* DOCKER_HOST is honoured */
	ret = docker_client_wait_synced(c, 5000);
	start = now_ms();
	while (now_ms() - start < 1500) { /* a while of retrying */
		struct pollfd pfd = { .fd = docker_client_fd(c), .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			assert_int_equal(docker_client_process(c), 0);
	}
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	memset(err, 0, sizeof(err));
	assert_true(pread(fd, err, sizeof(err) - 1, 0) >= 0);
	close(fd);
	unsetenv("DOCKER_HOST");

	assert_int_equal(ret, -ENOENT);
	assert_string_equal(docker_client_host(c), host);
	/* nothing logged by the client; the news is there once for the caller to say */
	assert_string_equal(err, "");
	assert_string_equal(docker_client_last_error(c), "No such file or directory");
	assert_int_equal(docker_client_take_news(c), DOCKER_NEWS_UNAVAILABLE);
	docker_client_get_stats(c, &st);
	print_message("%llu connection attempts in the first 1.5 s without a socket\n",
		      (unsigned long long)st.connect_attempts);
	assert_true(st.connect_attempts >= 2 && st.connect_attempts <= 6); /* 0, 0.2, 0.6, 1.4 s */

	/* the Docker Engine appears at that path */
	assert_int_equal(symlink("/var/run/docker.sock", sock), 0);
	start = now_ms();
	while (docker_client_state(c) != DOCKER_CLIENT_SYNCED && now_ms() - start < 15000) {
		struct pollfd pfd = { .fd = docker_client_fd(c), .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			assert_int_equal(docker_client_process(c), 0);
	}
	assert_int_equal(docker_client_state(c), DOCKER_CLIENT_SYNCED);
	assert_int_equal(docker_client_take_news(c), DOCKER_NEWS_SYNCED);
	docker_id(SRV, srv_id);
	assert_non_null(containers_find_by_id(r, srv_id));
	docker_client_free(c);
	containers_free(r);
	unlink(sock);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_list),
		cmocka_unit_test(lookups_of_a_process_inside),
		cmocka_unit_test(start_and_stop_seen_within_a_second),
		cmocka_unit_test(pause_and_rename),
		cmocka_unit_test(idle_client_sleeps),
		cmocka_unit_test(containers_command),
		cmocka_unit_test(permission_denied),
		cmocka_unit_test(socket_missing_then_appears),
		cmocka_unit_test(dockerd_restart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
