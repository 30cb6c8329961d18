/* The process behind a request (caller.h). */
#include "caller.h"

#include <stdio.h>
#include <string.h>

/* The start time of process `pid` (clock ticks since boot), 0 when unknown. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: fields follow the last ')';
	 * the state is field 3, the start time field 22 */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %llu",
			 &start) != 1)
		start = 0;
	return start;
}

bool caller_of(fuse_req_t req, struct caller *out)
{
	out->pid = fuse_req_ctx(req)->pid;
	out->start = out->pid > 0 ? start_time(out->pid) : 0;
	return out->start != 0;
}

bool caller_alive(const struct caller *c)
{
	return start_time(c->pid) == c->start;
}
