/*
 * addr.h — what the server remembers per client address: open connections
 * (for max_connections_per_ip) and recent authentication failures (for the
 * growing delay, RM_AUTH_DELAY_START_MS doubling to RM_AUTH_DELAY_MAX_MS).
 *
 * Shared by all workers (SO_REUSEPORT spreads one address over every
 * worker); sharded by hash with one mutex per shard, touched once per
 * connect, close and failed login — never per command.
 */
#ifndef RM_ADDR_H
#define RM_ADDR_H

#include <stdbool.h>
#include <stdint.h>

struct rm_addr {
	uint8_t bytes[16];   /* IPv4 as ::ffff:a.b.c.d */
};

struct addr_table;

struct addr_table *addr_table_new(void);
void addr_table_free(struct addr_table **t);

/** Counts a new connection; false (and nothing counted) when the address
 * already has `limit` (0 = unlimited). */
bool addr_conn_open(struct addr_table *t, const struct rm_addr *a, uint64_t limit);
void addr_conn_close(struct addr_table *t, const struct rm_addr *a);

/** Records a failed authentication; returns the delay in ms to impose
 * before answering it. */
uint32_t addr_auth_failed(struct addr_table *t, const struct rm_addr *a);
/** A success clears the address's failure history. */
void addr_auth_succeeded(struct addr_table *t, const struct rm_addr *a);

/** True for 127.0.0.0/8 and ::1. */
bool addr_is_loopback(const struct rm_addr *a);
/** Writes the printable form ("127.0.0.1", "::1") into out (>= 46 bytes). */
void addr_format(const struct rm_addr *a, char *out, unsigned cap);

#endif
