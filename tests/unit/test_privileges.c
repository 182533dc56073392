/* SPDX-License-Identifier: Apache-2.0 */
/* privileges_drop() in a child process (dropping is allowed to anyone): afterwards the process
 * holds at most what it kept, nothing inheritable or ambient, no_new_privs is set, and a
 * capability it gave up cannot be raised again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/privileges.h"

#define KEEP (CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_SYS_PTRACE))

/* Runs in the child: 0 when everything holds, else the number of the check that failed. */
static int drop_and_check(void)
{
	struct privileges before, after;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (privileges_get(&before) < 0)
		return 1;
	if (privileges_drop(KEEP, &after) < 0)
		return 2;
	if (after.permitted != (before.permitted & KEEP) || after.effective != after.permitted)
		return 3;
	if (after.bounding_dropped && after.bounding != (before.bounding & KEEP))
		return 4;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 5;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_ADMIN, 0, 0) > 0)
		return 6;
	/* asking for CAP_CHOWN back fails: it is not permitted any more */
	if (syscall(SYS_capget, &h, d) < 0)
		return 7;
	d[0].effective |= 1u << CAP_CHOWN;
	d[0].permitted |= 1u << CAP_CHOWN;
	if (syscall(SYS_capset, &h, d) == 0 && (before.permitted & CAP_BIT(CAP_CHOWN)))
		return 8;
	if (d[0].inheritable || d[1].inheritable)
		return 9;
	return 0;
}

static void drop_keeps_only_what_was_asked(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(drop_and_check());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void names(void **state)
{
	char buf[128];

	(void)state;
	privileges_format(DAEMON_KEPT_CAPABILITIES, buf, sizeof(buf));
	assert_string_equal(buf, "dac_read_search,net_admin,sys_ptrace,sys_admin");
	privileges_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	privileges_format(CAP_BIT(CAP_BPF) | CAP_BIT(50), buf, sizeof(buf));
	assert_string_equal(buf, "bpf,50");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drop_keeps_only_what_was_asked),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
