// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - the lock master: its election and its service
 *
 * The master is the lowest-numbered node that is alive (up or suspect)
 * in the node table, and it serves only while a majority of the
 * cluster's members promise it so:
 *
 *  - Every second a node that sees itself as the lowest alive asks every
 *    member for a vote, "VOTE <term>". A member gives it when it too sees
 *    the asker as the lowest alive, has promised nobody else within
 *    VIRGO_LOCK_PROMISE_MS, and the term is not below one it promised
 *    before (equal only for the same asker). A vote binds the member for
 *    VIRGO_LOCK_PROMISE_MS from when it gave it; the asker counts only
 *    VIRGO_LOCK_BELIEF_MS from when it asked. So two majorities share a
 *    member whose promise to the first ended before it promised the
 *    second: two masters never serve at once. A member refuses every
 *    vote for VIRGO_LOCK_PROMISE_MS after it starts, so that a restart
 *    does not forget a promise.
 *  - Each mastership takes a term above every term its node heard of and
 *    not below the wall clock's seconds; its tokens are the term and a
 *    counter, so they grow across masters (and across restarts of the
 *    whole cluster, as long as the clocks do not go back).
 *  - It starts with an empty table and a grace period of one lease: the
 *    previous master's holders renew and keep their locks; nothing new is
 *    granted until every lease the previous master gave has ended.
 *
 * Requests (node to node, over the core's authenticated transport):
 *	VOTE <term> <lease_ms> <members>
 *				-> VOTE <1|0> <largest term> <longest lease>
 *	ACQUIRE <name> <wait_ms>	-> GRANTED <token> <lease_ms> <waited_ms>
 *	RENEW <name> <token>		-> OK <lease_ms>
 *	RELEASE <name> <token>		-> OK
 * or ERROR EREMCHG (not the master), EAGAIN (taken, did not wait or
 * waited wait_ms), ESTALE (the token does not hold the lock), ENOLCK (a
 * cap), EINVAL.
 */

#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include "lock.h"

static DEFINE_MUTEX(virgo_lock_mutex);	/* protects everything below */
static struct virgo_ltable virgo_ltable;
static bool virgo_lock_is_master;	/* virgo_ltable is the cluster's */
static unsigned long virgo_lock_master_until;
static u32 virgo_lock_term;		/* the term this node asks votes for */
static u32 virgo_lock_seen_term;	/* the largest term heard of */
static u32 virgo_lock_promised_to;	/* the member's vote... */
static unsigned long virgo_lock_promise_until;
static u32 virgo_lock_vote_term;	/* ...and its term */
static u32 virgo_lock_seen_lease;	/* the longest lease voted for */
static unsigned long virgo_lock_quiet_until;

static struct delayed_work virgo_lock_campaign_work;
static struct delayed_work virgo_lock_tick_work;

static u64 virgo_lock_now(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

static bool virgo_lock_alive(u32 id)
{
	struct virgo_node *node = virgo_node_get(id);
	enum virgo_node_state state;

	if (!node)
		return false;
	spin_lock_bh(&node->lock);
	state = node->state;
	spin_unlock_bh(&node->lock);
	virgo_node_put(node);
	return state == VIRGO_NODE_UP || state == VIRGO_NODE_SUSPECT;
}

/*
 * The lowest-numbered node this node sees alive, itself included, and
 * how many members the cluster has (the node table, and this node).
 */
static u32 virgo_lock_lowest_alive(u32 self, unsigned int *members)
{
	u32 id, lowest = self;
	struct virgo_node *node;
	unsigned int n = 1;

	for (id = 1; id <= VIRGO_MAX_NODES; id++) {
		if (id == self)
			continue;
		node = virgo_node_get(id);
		if (!node)
			continue;
		virgo_node_put(node);
		n++;
		if (id < lowest && virgo_lock_alive(id))
			lowest = id;
	}
	*members = n;
	return lowest;
}

/* The node to send lock requests to: the lowest one alive. */
u32 virgo_lock_master_guess(void)
{
	unsigned int members;
	u32 self = virgo_local_id();

	return self ? virgo_lock_lowest_alive(self, &members) : 0;
}

/*
 * A term no further than this ahead of the node's own clock: a member
 * cannot use the terms up (they are 32 bits of seconds).
 */
#define VIRGO_LOCK_TERM_AHEAD_S	3600

static bool virgo_lock_term_ok(u64 term)
{
	return term && term <= ktime_get_real_seconds() + VIRGO_LOCK_TERM_AHEAD_S &&
	       term < U32_MAX;
}

/*
 * Called with virgo_lock_mutex. @lowest and @members: what this node
 * sees; @lease and @their_members: what the candidate said.
 */
static bool virgo_lock_vote(u32 cand, u32 term, u32 lease, unsigned int their_members,
			    u32 lowest, unsigned int members)
{
	unsigned long now = jiffies;

	virgo_lock_seen_term = max(virgo_lock_seen_term, term);
	if (time_before(now, virgo_lock_quiet_until) || cand != lowest ||
	    their_members != members)
		return false;
	if (virgo_lock_promised_to != cand &&
	    time_before(now, virgo_lock_promise_until))
		return false;
	if (term < virgo_lock_vote_term ||
	    (term == virgo_lock_vote_term && virgo_lock_promised_to != cand))
		return false;
	virgo_lock_promised_to = cand;
	virgo_lock_vote_term = term;
	virgo_lock_seen_lease = max(virgo_lock_seen_lease, lease);
	virgo_lock_promise_until = now + msecs_to_jiffies(VIRGO_LOCK_PROMISE_MS);
	return true;
}

/* Called with virgo_lock_mutex. */
static void virgo_lock_step_down(const char *why)
{
	if (!virgo_lock_is_master)
		return;
	virgo_lock_is_master = false;
	virgo_ltable_clear(&virgo_ltable);
	pr_info("cloudsync: no longer the lock master (term %u): %s\n",
		virgo_lock_term, why);
}

/*
 * Called with virgo_lock_mutex: may this node serve a request now? Not
 * once its votes lapsed, whether or not the tick has run yet.
 */
static bool virgo_lock_serving(void)
{
	if (virgo_lock_is_master && time_after_eq(jiffies, virgo_lock_master_until))
		virgo_lock_step_down("its votes lapsed");
	return virgo_lock_is_master;
}

/*
 * Ask member @id for its vote. Its answer tells, either way, the largest
 * term it heard of and the longest lease it voted for: the grace period
 * covers that lease.
 */
static bool virgo_lock_ask(u32 id, u32 term, u32 lease, unsigned int members,
			   u32 *grace_lease)
{
	char line[64], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
		.timeout_ms = VIRGO_LOCK_CAMPAIGN_MS / 4, .retry = true,
	};
	unsigned int granted, theirs, their_lease;

	snprintf(line, sizeof(line), "VOTE %u %u %u", term, lease, members);
	if (virgo_call_request(id, VIRGO_LOCK_PORT, &req) ||
	    sscanf(reply, "VOTE %u %u %u", &granted, &theirs, &their_lease) != 3)
		return false;
	mutex_lock(&virgo_lock_mutex);
	if (virgo_lock_term_ok(theirs))
		virgo_lock_seen_term = max(virgo_lock_seen_term, theirs);
	mutex_unlock(&virgo_lock_mutex);
	if (their_lease <= VIRGO_LOCK_LEASE_MAX_MS)
		*grace_lease = max(*grace_lease, their_lease);
	return granted == 1;
}

/**
 * struct virgo_lock_round - one campaign
 * @asked: when it began: the votes bind from then
 * @term: the term it asks for
 * @lease: this node's lease, told to the voters
 * @members: the cluster's members, as this node sees them
 * @votes: given so far, this node's own included
 * @renewing: this node was master when it began
 * @grace_lease: the longest lease the voters voted for
 */
struct virgo_lock_round {
	unsigned long asked;
	u32 term;
	u32 lease;
	unsigned int members;
	unsigned int votes;
	bool renewing;
	u32 grace_lease;
};

/*
 * A majority voted: this node is master (or stays it) until BELIEF_MS
 * after the round began, unless its mastership ended meanwhile.
 */
static void virgo_lock_elected(struct virgo_lock_round *r)
{
	mutex_lock(&virgo_lock_mutex);
	if (r->term == virgo_lock_term && r->renewing == virgo_lock_serving() &&
	    time_before(jiffies, r->asked + msecs_to_jiffies(VIRGO_LOCK_BELIEF_MS))) {
		if (!virgo_lock_is_master) {
			virgo_ltable_init(&virgo_ltable, r->term, virgo_lock_now(),
					  &virgo_lock_set, r->grace_lease);
			virgo_lock_is_master = true;
			pr_info("cloudsync: lock master, term %u, %u of %u votes\n",
				r->term, r->votes, r->members);
		}
		virgo_lock_master_until = r->asked + msecs_to_jiffies(VIRGO_LOCK_BELIEF_MS);
	}
	mutex_unlock(&virgo_lock_mutex);
}

/*
 * Ask the members seen up, in order; once a majority voted, the node is
 * master at once, and the other members seen up are still asked, so that
 * they learn the term. Those suspect are asked only while votes lack.
 */
static void virgo_lock_canvass(u32 self, struct virgo_lock_round *r)
{
	enum virgo_node_state want, state;
	struct virgo_node *node;
	u32 id;

	for (want = VIRGO_NODE_UP; want <= VIRGO_NODE_SUSPECT; want++) {
		for (id = 1; id <= VIRGO_MAX_NODES; id++) {
			if (want == VIRGO_NODE_SUSPECT && r->votes > r->members / 2)
				return;
			node = id == self ? NULL : virgo_node_get(id);
			if (!node)
				continue;
			spin_lock_bh(&node->lock);
			state = node->state;
			spin_unlock_bh(&node->lock);
			virgo_node_put(node);
			if (state != want ||
			    !virgo_lock_ask(id, r->term, r->lease, r->members, &r->grace_lease))
				continue;
			if (++r->votes == r->members / 2 + 1)
				virgo_lock_elected(r);
		}
	}
}

static void virgo_lock_campaign(struct work_struct *work)
{
	struct virgo_lock_round r = { .asked = jiffies };
	u32 self = virgo_local_id(), lowest;
	unsigned long next;

	if (!self || !virgo_services_listening())
		goto again;
	lowest = virgo_lock_lowest_alive(self, &r.members);
	if (lowest != self)
		goto again;	/* a lower node's turn; a mastership here lapses */

	/*
	 * A new mastership takes a new term, so that its counter starts
	 * afresh above every token of the last; a master keeps its term.
	 */
	mutex_lock(&virgo_lock_mutex);
	r.renewing = virgo_lock_serving();
	if (!r.renewing) {
		if (virgo_lock_seen_term >= U32_MAX - 1) {
			mutex_unlock(&virgo_lock_mutex);
			pr_warn_once("cloudsync: no lock master term left\n");
			goto again;
		}
		virgo_lock_term = max_t(u32, virgo_lock_seen_term + 1,
					(u32)ktime_get_real_seconds());
	}
	r.term = virgo_lock_term;
	r.lease = READ_ONCE(virgo_lock_set.lease_ms);
	r.votes = virgo_lock_vote(self, r.term, r.lease, r.members, lowest, r.members);
	r.grace_lease = max(r.lease, virgo_lock_seen_lease);
	mutex_unlock(&virgo_lock_mutex);

	if (r.votes == r.members / 2 + 1)
		virgo_lock_elected(&r);		/* a cluster of one */
	if (r.votes)
		virgo_lock_canvass(self, &r);
again:
	/* Rounds start every CAMPAIGN_MS however long the last one took. */
	next = r.asked + msecs_to_jiffies(VIRGO_LOCK_CAMPAIGN_MS);
	queue_delayed_work(virgo_wq, &virgo_lock_campaign_work,
			   time_after(next, jiffies) ? next - jiffies : 0);
}

/* Leases end, waiters are served, a lapsed mastership ends. */
static void virgo_lock_tick(struct work_struct *work)
{
	mutex_lock(&virgo_lock_mutex);
	if (virgo_lock_serving()) {
		virgo_ltable.limits = virgo_lock_set;
		virgo_ltable_expire(&virgo_ltable, virgo_lock_now());
		if (virgo_ltable.counter == U32_MAX)
			virgo_lock_step_down("the term has no token left");
	}
	mutex_unlock(&virgo_lock_mutex);
	queue_delayed_work(virgo_wq, &virgo_lock_tick_work,
			   msecs_to_jiffies(VIRGO_LOCK_TICK_MS));
}

/* The member a request came from, or 0 for a client that may not ask. */
static u32 virgo_lock_peer(struct virgo_conn *conn)
{
	if (conn->plain)
		return 0;
	if (ipv4_is_loopback(conn->addr))
		return virgo_local_id();
	return virgo_node_id_by_addr(conn->addr);
}

static int virgo_lock_reply_err(struct virgo_conn *conn, int err)
{
	static const char * const why[] = {
		[EREMCHG] = "not the lock master",
		[EAGAIN] = "taken",
		[ESTALE] = "not the holder: the lease was lost",
		[ENOLCK] = "too many locks",
		[EINVAL] = "bad request",
		[EOVERFLOW] = "the master's term is used up",
	};
	int e = -err;

	return virgo_conn_error(conn, err, e < ARRAY_SIZE(why) && why[e] ?
				why[e] : "failed");
}

/* Wait for the grant of @w; on return @w is out of the table. */
static int virgo_lock_wait(struct virgo_conn *conn, struct virgo_lwaiter *w,
			   unsigned long deadline, u64 *token, u64 *granted, u32 *lease)
{
	int ret;

	for (;;) {
		wait_for_completion_timeout(&w->done, HZ / 5);
		mutex_lock(&virgo_lock_mutex);
		if (w->state == VIRGO_LWAIT_GRANTED) {
			*token = w->token;
			*granted = w->granted;
			*lease = w->lease;
			ret = 0;
		} else if (w->state == VIRGO_LWAIT_ABORTED) {
			ret = -EREMCHG;
		} else if (time_after_eq(jiffies, deadline) ||
			   virgo_conn_peer_gone(conn) || virgo_conn_stopping(conn)) {
			virgo_ltable_cancel(&virgo_ltable, w);
			ret = -EAGAIN;
		} else {
			ret = 1;
		}
		mutex_unlock(&virgo_lock_mutex);
		if (ret <= 0)
			return ret;
	}
}

/*
 * GRANTED <token> <lease_ms> <waited_ms>: the lease runs from the grant,
 * waited_ms after the request came; the holder counts it from when it
 * sent the request, plus waited_ms, which is no later.
 */
static int virgo_lock_cmd_acquire(struct virgo_conn *conn, u32 from, char **w, int n)
{
	u64 wait_ms, token, came = virgo_lock_now(), granted = came;
	struct virgo_lwaiter waiter;
	unsigned long deadline;
	u32 lease;
	int ret;

	if (n != 3 || virgo_parse_u64(w[2], VIRGO_LOCK_TIMEOUT_MAX_MS, &wait_ms))
		return virgo_lock_reply_err(conn, -EINVAL);
	deadline = jiffies + msecs_to_jiffies(wait_ms);
	mutex_lock(&virgo_lock_mutex);
	ret = virgo_lock_serving() ?
	      virgo_ltable_acquire(&virgo_ltable, w[1], from, came,
				   wait_ms ? &waiter : NULL, &token) : -EREMCHG;
	lease = virgo_ltable.limits.lease_ms;
	mutex_unlock(&virgo_lock_mutex);
	if (ret == -EINPROGRESS)
		ret = virgo_lock_wait(conn, &waiter, deadline, &token, &granted, &lease);
	if (ret)
		return virgo_lock_reply_err(conn, ret);
	ret = virgo_conn_printf(conn, "GRANTED %llu %u %llu\n", token, lease,
				granted - came);
	if (ret) {
		/* Nobody will hold it: give it to the next at once. */
		mutex_lock(&virgo_lock_mutex);
		if (virgo_lock_serving())
			virgo_ltable_release(&virgo_ltable, w[1], from, token,
					     virgo_lock_now());
		mutex_unlock(&virgo_lock_mutex);
	}
	return ret;
}

static int virgo_lock_cmd_token(struct virgo_conn *conn, u32 from, char **w,
				int n, bool renew)
{
	u64 token;
	u32 lease;
	int ret;

	if (n != 3 || virgo_parse_u64(w[2], U64_MAX, &token))
		return virgo_lock_reply_err(conn, -EINVAL);
	mutex_lock(&virgo_lock_mutex);
	if (!virgo_lock_serving())
		ret = -EREMCHG;
	else if (renew)
		ret = virgo_ltable_renew(&virgo_ltable, w[1], from, token, virgo_lock_now());
	else
		ret = virgo_ltable_release(&virgo_ltable, w[1], from, token, virgo_lock_now());
	lease = virgo_ltable.limits.lease_ms;
	mutex_unlock(&virgo_lock_mutex);
	if (ret)
		return virgo_lock_reply_err(conn, ret);
	return renew ? virgo_conn_printf(conn, "OK %u\n", lease) :
		       virgo_conn_printf(conn, "OK\n");
}

/* VOTE <term> <lease_ms> <members> -> VOTE <0|1> <largest term> <longest lease> */
static int virgo_lock_cmd_vote(struct virgo_conn *conn, u32 from, char **w, int n)
{
	unsigned int members;
	u32 lowest, self = virgo_local_id(), seen, seen_lease;
	u64 term, lease, their_members;
	bool granted;

	if (n != 4 || virgo_parse_u64(w[1], U32_MAX, &term) || !virgo_lock_term_ok(term) ||
	    virgo_parse_u64(w[2], VIRGO_LOCK_LEASE_MAX_MS, &lease) ||
	    virgo_parse_u64(w[3], VIRGO_MAX_NODES, &their_members) || from == self)
		return virgo_lock_reply_err(conn, -EINVAL);
	lowest = virgo_lock_lowest_alive(self, &members);
	mutex_lock(&virgo_lock_mutex);
	granted = virgo_lock_vote(from, term, lease, their_members, lowest, members);
	seen = virgo_lock_seen_term;
	seen_lease = virgo_lock_seen_lease;
	mutex_unlock(&virgo_lock_mutex);
	return virgo_conn_printf(conn, "VOTE %d %u %u\n", granted, seen, seen_lease);
}

static int virgo_lock_line(struct virgo_conn *conn, char *line, size_t len)
{
	u32 from = virgo_lock_peer(conn);
	char *w[4];
	int n;

	if (!from || from > VIRGO_MAX_NODES || !virgo_local_id())
		return virgo_conn_error(conn, -EACCES, "cluster members only");
	n = virgo_split_words(line, w, ARRAY_SIZE(w));
	if (n < 1)
		return virgo_lock_reply_err(conn, -EINVAL);
	if (!strcmp(w[0], "ACQUIRE"))
		return virgo_lock_cmd_acquire(conn, from, w, n);
	if (!strcmp(w[0], "RENEW"))
		return virgo_lock_cmd_token(conn, from, w, n, true);
	if (!strcmp(w[0], "RELEASE"))
		return virgo_lock_cmd_token(conn, from, w, n, false);
	if (!strcmp(w[0], "VOTE"))
		return virgo_lock_cmd_vote(conn, from, w, n);
	return virgo_lock_reply_err(conn, -EINVAL);
}

static const struct virgo_service_ops virgo_lock_ops = {
	.line = virgo_lock_line,
};

/* Every waiting acquire holds a connection: room for max_waiting of them. */
static struct virgo_service virgo_lock_service = {
	.name = "cloudsync",
	.port = VIRGO_LOCK_PORT,
	.max_conns = 256,
	.max_per_peer = 80,
	.ops = &virgo_lock_ops,
};

/*
 * "master <id> term <term> this-node|other [lease <ms> [grace <ms>]]",
 * then on the master its locks.
 */
int virgo_lock_master_show(char *buf, size_t len)
{
	u64 now = virgo_lock_now();
	int used;

	mutex_lock(&virgo_lock_mutex);
	used = scnprintf(buf, len, "master %u term %u %s", virgo_lock_master_guess(),
			 virgo_lock_is_master ? virgo_ltable.term : virgo_lock_seen_term,
			 virgo_lock_is_master ? "this-node" : "other");
	if (virgo_lock_is_master)
		used += scnprintf(buf + used, len - used, " lease %u",
				  virgo_ltable.limits.lease_ms);
	if (virgo_lock_is_master && now < virgo_ltable.grace_until)
		used += scnprintf(buf + used, len - used, " grace %llu",
				  virgo_ltable.grace_until - now);
	used += scnprintf(buf + used, len - used, "\n");
	if (virgo_lock_is_master)
		used += virgo_ltable_show(&virgo_ltable, now, buf + used, len - used);
	mutex_unlock(&virgo_lock_mutex);
	return used;
}

int virgo_lock_master_init(void)
{
	int ret;

	virgo_lock_quiet_until = jiffies + msecs_to_jiffies(VIRGO_LOCK_PROMISE_MS);
	ret = virgo_service_register(&virgo_lock_service);
	if (ret)
		return ret;
	INIT_DELAYED_WORK(&virgo_lock_campaign_work, virgo_lock_campaign);
	INIT_DELAYED_WORK(&virgo_lock_tick_work, virgo_lock_tick);
	queue_delayed_work(virgo_wq, &virgo_lock_campaign_work, 0);
	queue_delayed_work(virgo_wq, &virgo_lock_tick_work, 0);
	return 0;
}

void virgo_lock_master_exit(void)
{
	cancel_delayed_work_sync(&virgo_lock_campaign_work);
	cancel_delayed_work_sync(&virgo_lock_tick_work);
	virgo_service_unregister(&virgo_lock_service);
	mutex_lock(&virgo_lock_mutex);
	virgo_lock_step_down("stopping");
	mutex_unlock(&virgo_lock_mutex);
}
