/* SPDX-License-Identifier: Apache-2.0 */
/* errmsg: the text a library hands its caller, with %m naming the error it returns. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "common/errmsg.h"

static void names_the_error_it_returns(void **state)
{
	struct errmsg e = { "" };

	(void)state;
	errno = 0; /* %m must name the error given, not whatever errno held */
	assert_int_equal(errmsg_set(&e, -EPROTONOSUPPORT, "conntrack is not available (%m): load %s", "it"),
			 -EPROTONOSUPPORT);
	assert_string_equal(e.text, "conntrack is not available (Protocol not supported): load it");
	/* a positive errno comes back negative, as every caller compares */
	assert_int_equal(errmsg_set(&e, EPERM, "refused (%m)"), -EPERM);
	assert_string_equal(e.text, "refused (Operation not permitted)");
}

static void no_message_wanted(void **state)
{
	(void)state;
	assert_int_equal(errmsg_set(NULL, -ENOENT, "gone (%m)"), -ENOENT);
}

static void long_text_is_cut_not_overrun(void **state)
{
	struct errmsg e;
	char big[2000];

	(void)state;
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = 'x';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(errmsg_set(&e, -EIO, "%s", big), -EIO);
	assert_int_equal(strlen(e.text), sizeof(e.text) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_the_error_it_returns),
		cmocka_unit_test(no_message_wanted),
		cmocka_unit_test(long_text_is_cut_not_overrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
