/* The client's connection: where containerd is, connecting, deadlines, cancelling. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "status.h"

const char *ctrd_address_from_env(void)
{
	const char *a = getenv("CONTAINERD_ADDRESS");
	return a && *a ? a : CTRD_DEFAULT_ADDRESS;
}

int ctrd_connect(const char *address, ctrd_client **out, struct ctrd_status *st)
{
	*out = NULL;
	if (!address || !*address)
		address = CTRD_DEFAULT_ADDRESS;
	/* ctr accepts both a path and a unix:// URL */
	const char *path = strncmp(address, "unix://", 7) == 0 ? address + 7 : address;
	ctrd_client *c = calloc(1, sizeof(*c));
	if (!c)
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	c->timeout_ms = CTRD_DEFAULT_TIMEOUT_MS;
	int rc = grpc_connect(path, address, c->timeout_ms, &c->conn, st);
	if (rc != CTRD_OK) {
		free(c);
		return rc;
	}
	*out = c;
	return CTRD_OK;
}

void ctrd_client_free(ctrd_client *c)
{
	if (!c)
		return;
	grpc_conn_free(c->conn);
	free(c);
}

const char *ctrd_client_address(const ctrd_client *c)
{
	return grpc_conn_address(c->conn);
}

void ctrd_set_timeout(ctrd_client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

void ctrd_cancel(ctrd_client *c)
{
	grpc_conn_cancel(c->conn);
}
