/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo-oci-hook: the OCI runtime hook. The logic is in oci_hook.c. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "hook/oci_hook.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo-oci-hook [OPTIONS] STAGE\n"
		"\n"
		"Record a container's identity (name, pid, namespaces, cgroup) for ctopo. An OCI runtime\n"
		"(runc, crun, podman, CRI-O) runs it with the container's state JSON on stdin.\n"
		"STAGE is prestart or createRuntime (write the record) or poststop (mark it stopped).\n"
		"\n"
		"Options:\n"
		"      --state-dir DIR  where records go (default %s)\n"
		"      --strict         make every problem fatal, not only invalid input\n"
		"      --debug          print the record written on stderr\n"
		"  -h, --help           show this help\n"
		"      --version        print the version\n"
		"\n"
		"Exit status:\n"
		"   0  recorded; or ctopo's own trouble (state dir unwritable, process gone) was\n"
		"      reported on stderr and syslog, and the container starts anyway\n"
		"  64  usage error: unknown stage or option, stdin is a terminal\n"
		"  65  invalid state from the runtime: not JSON, over 1 MiB, id missing or not\n"
		"      [A-Za-z0-9][A-Za-z0-9_.-]{0,127}, wrong types, no pid > 0 at prestart or\n"
		"      createRuntime, a status that does not belong to STAGE\n"
		"  74  with --strict: ctopo's own trouble\n"
		"\n"
		"Examples:\n"
		"  hooks.d (podman, CRI-O): {\"path\": \"/usr/libexec/ctopo/ctopo-oci-hook\",\n"
		"                           \"args\": [\"ctopo-oci-hook\", \"prestart\"]}\n"
		"  by hand: echo '{\"id\":\"c1\",\"status\":\"creating\",\"pid\":'$$'}' |\n"
		"           ctopo-oci-hook --state-dir /tmp/ctopo-test --debug prestart\n",
		OCI_STATE_DEFAULT_DIR);
}

int main(int argc, char **argv)
{
	enum { OPT_STATE_DIR = 0x100, OPT_STRICT, OPT_DEBUG, OPT_VERSION };
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	struct oci_hook_options opts = { 0 };
	int c;

	log_set_prefix("ctopo-oci-hook");
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_STATE_DIR:
			opts.state_dir = optarg;
			break;
		case OPT_STRICT:
			opts.strict = true;
			break;
		case OPT_DEBUG:
			opts.debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("ctopo-oci-hook %s\n", CTOPO_VERSION);
			return 0;
		default:
			usage(stderr);
			return OCI_HOOK_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		log_error("expected one STAGE argument (prestart, createRuntime or poststop)");
		return OCI_HOOK_EXIT_USAGE;
	}
	if (oci_hook_stage_from_string(argv[optind], &opts.stage) < 0) {
		log_error("unknown stage '%s': use prestart, createRuntime or poststop", argv[optind]);
		return OCI_HOOK_EXIT_USAGE;
	}
	if (opts.state_dir && opts.state_dir[0] != '/') {
		log_error("--state-dir must be an absolute path (a hook's cwd is the bundle)");
		return OCI_HOOK_EXIT_USAGE;
	}
	if (isatty(STDIN_FILENO)) {
		log_error("reads the container's OCI state JSON on stdin; run by an OCI runtime");
		return OCI_HOOK_EXIT_USAGE;
	}
	/* problems go to syslog too: the runtime may swallow our stderr */
	log_copy_to_syslog("ctopo-oci-hook");
	return oci_hook_run_fd(&opts, STDIN_FILENO);
}
