/*
 * Going to the background. ctrfs without -f returns once the mount can be used: the
 * store opened, the mount made and the change notifier registered with the store, so
 * that a script's next command finds it all (a write by ctrfsctl waits for the mount,
 * a look sees the store). fuse_daemonize forks after the mount, and its parent returns
 * before the child is ready; so the whole start-up runs in the child here, and the
 * parent waits on a pipe for the word, reporting the child's failure as its own (the
 * child's messages go to the same stderr until it is ready).
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int ready_fd = -1;

int daemon_begin(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		ready_fd = p[1];
		setsid(); /* no terminal's signals (SIGHUP, ^C) reach the daemon */
		return 0;
	}
	close(p[1]);
	char c;
	ssize_t n;
	while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		_exit(0);
	/* the child ended before it was ready: its status is ours */
	int status;
	if (waitpid(pid, &status, 0) < 0)
		_exit(1);
	_exit(WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
}

void daemon_ready(void)
{
	if (ready_fd < 0)
		return;
	if (chdir("/") < 0) {
		/* "/" always exists; nothing relies on the working directory (paths are
		 * absolute) */
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(ready_fd, "", 1) < 0) {
		/* the parent is gone: nobody to tell */
	}
	close(ready_fd);
	ready_fd = -1;
}
