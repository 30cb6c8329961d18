/* ctrfsctl events: print the change log as JSON lines and follow it, like tail -f. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

struct printer {
	uint64_t last;
	bool broken; /* stdout went away (head -n 5 closed the pipe) */
};

static int print_event(const ctrfs_event *ev, void *arg)
{
	struct printer *p = arg;
	char *line = ctrfs_event_json(ev);
	p->last = ev->seq;
	if (!line)
		return 1;
	bool ok = puts(line) >= 0 && fflush(stdout) == 0;
	free(line);
	if (!ok)
		p->broken = true;
	return !ok;
}

/* Waits until the store's data file changes (a commit) or a second passes. */
static void wait_for_change(int ifd)
{
	struct pollfd pfd = {ifd, POLLIN, 0};
	if (ifd < 0) {
		usleep(100 * 1000);
		return;
	}
	if (poll(&pfd, 1, 1000) > 0) {
		char buf[4096];
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
	}
}

int cmd_events(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl [-n NS] events [--since SEQ] [--no-follow] [FILTER...]\n\n"
	    "Print changes as JSON lines {\"seq\", \"timestamp\", \"namespace\", \"topic\",\n"
	    "\"event\"} and keep following new ones until interrupted. Topics are\n"
	    "containerd's: /containers/create|update|delete, /namespaces/create|update|delete.\n"
	    "With -n (or $CONTAINERD_NAMESPACE), only that namespace. Filters use\n"
	    "containerd's syntax over topic, namespace and event.FIELD, e.g.\n"
	    "  'topic==\"/containers/update\"'  'topic~=\"^/containers/\",event.id==web'\n\n"
	    "  --since SEQ    start after event SEQ (0 = every retained event); default:\n"
	    "                 only new events when following, every event with --no-follow\n"
	    "  --no-follow    print what is there and exit\n\n"
	    "Interrupted (Ctrl-C, SIGTERM), it ends killed by that signal as ctr does\n"
	    "(a shell shows exit status 130 for Ctrl-C).\n";
	enum { OPT_SINCE = 256, OPT_NO_FOLLOW };
	static const struct option opts[] = {{"since", required_argument, NULL, OPT_SINCE},
					     {"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool follow = true, have_since = false;
	struct printer p = {0, false};
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case OPT_SINCE:
			errno = 0;
			p.last = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-')
				return cli_usage("events", "--since needs a sequence number");
			have_since = true;
			break;
		case OPT_NO_FOLLOW:
			follow = false;
			break;
		case 'h':
			return fputs(help, stdout), 0;
		default:
			return cli_bad_option("events", argv, c);
		}
	}
	if (cli_need_namespace(cli))
		return EXIT_FAIL;
	/* the namespace restriction is one more AND-ed selector on every filter */
	size_t nf = (size_t)(argc - optind);
	char **filters = calloc(nf + 1, sizeof(char *));
	if (!filters)
		return cli_errorf("out of memory");
	for (size_t i = 0; i < nf; i++) {
		if (cli->ns_explicit) {
			if (asprintf(&filters[i], "%s,namespace==\"%s\"", argv[optind + i],
				     cli->ns) < 0)
				filters[i] = NULL;
		} else {
			filters[i] = strdup(argv[optind + i]);
		}
	}
	if (!nf && cli->ns_explicit && asprintf(&filters[nf++], "namespace==\"%s\"", cli->ns) < 0)
		filters[0] = NULL;

	ctrfs_error err;
	ctrfs_store *s = cli_store(cli, true);
	int rc = 0;
	if (!have_since && follow && ctrfs_events_last_seq(s, &p.last, &err))
		rc = cli_error(&err);

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char data[PATH_MAX];
	snprintf(data, sizeof(data), "%s/data.mdb", ctrfs_store_path(s));
	int ifd = follow ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
	if (ifd >= 0 && inotify_add_watch(ifd, data, IN_MODIFY) < 0) {
		close(ifd);
		ifd = -1;
	}
	while (!rc && !stop && !p.broken) {
		if (ctrfs_events_read(s, p.last, (const char *const *)filters, nf, print_event, &p,
				      &err)) {
			rc = cli_error(&err);
			break;
		}
		if (!follow)
			break;
		wait_for_change(ifd);
	}
	if (ifd >= 0)
		close(ifd);
	for (size_t i = 0; i < nf; i++)
		free(filters[i]);
	free(filters);
	if (stop) {
		/* end as ctr does: killed by the signal (a shell shows 130 for Ctrl-C) */
		fflush(stdout);
		ctrfs_store_close(cli->store);
		cli->store = NULL;
		signal(stop, SIG_DFL);
		raise(stop);
	}
	return rc;
}
