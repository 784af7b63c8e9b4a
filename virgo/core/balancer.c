// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the load balancer
 *
 * Chooses the node a call goes to, among the nodes the balancer may use
 * (client nodes) that are up. Policies, selectable at run time:
 *   prg          - the seed's pseudo-random choice: with R calls over up
 *                  nodes of weights w, node i expects R * w_i / sum(w) of
 *                  them; the weights are 1 unless analytics sets them
 *                  (balancer.weight.<id>), so by default each of N nodes
 *                  expects R/N
 *   least-loaded - fewest runnable tasks, then lowest load average, then
 *                  most free memory; ties broken at random
 *   round-robin  - the next up node after the previous choice
 */

#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <trace/events/virgo.h>
#include "core.h"

static const char *const virgo_policy_names[VIRGO_POLICY_COUNT] = {
	[VIRGO_POLICY_PRG] = "prg",
	[VIRGO_POLICY_LEAST_LOADED] = "least-loaded",
	[VIRGO_POLICY_ROUND_ROBIN] = "round-robin",
};

static enum virgo_policy virgo_policy = VIRGO_POLICY_LEAST_LOADED;
/* prg's weight of each node id, from analytics balancer.weight.<id>. */
static u16 virgo_weights[VIRGO_MAX_NODES + 1] = { [0 ... VIRGO_MAX_NODES] = 1 };
static unsigned int virgo_rr_cursor;
static DEFINE_SPINLOCK(virgo_rr_lock);

const char *virgo_policy_name(enum virgo_policy policy)
{
	return virgo_policy_names[policy];
}

int virgo_policy_parse(const char *name)
{
	int i;

	for (i = 0; i < VIRGO_POLICY_COUNT; i++)
		if (sysfs_streq(name, virgo_policy_names[i]))
			return i;
	return -EINVAL;
}

enum virgo_policy virgo_balancer_policy(void)
{
	return READ_ONCE(virgo_policy);
}

void virgo_balancer_set_policy(enum virgo_policy policy)
{
	WRITE_ONCE(virgo_policy, policy);
}

u32 virgo_balancer_weight(u32 id)
{
	return id <= VIRGO_MAX_NODES ? READ_ONCE(virgo_weights[id]) : 0;
}

/* <0, 0, >0 as @a is less, as, more loaded than @b. */
static int virgo_load_cmp(const struct virgo_load *a, const struct virgo_load *b)
{
	if (a->runq != b->runq)
		return a->runq < b->runq ? -1 : 1;
	if (a->load1 != b->load1)
		return a->load1 < b->load1 ? -1 : 1;
	if (a->freemem_kb != b->freemem_kb)
		return a->freemem_kb > b->freemem_kb ? -1 : 1;
	return 0;
}

/**
 * virgo_balancer_choose() - the balancer's choice among candidates
 * @policy: how to choose
 * @cands: the candidates
 * @n: how many
 * @random: a uniformly random number (the only source of chance)
 * @rr_cursor: round-robin state: the id chosen last; updated
 *
 * Pure: the same arguments always give the same answer.
 *
 * Return: the index in @cands of the chosen node, or -EHOSTUNREACH when
 * no candidate is up.
 */
int virgo_balancer_choose(enum virgo_policy policy,
			  const struct virgo_candidate *cands, unsigned int n,
			  u32 random, unsigned int *rr_cursor)
{
	unsigned int i, up = 0, ties = 0, pick;
	u32 total, w;
	int best = -1, cmp;

	for (i = 0; i < n; i++)
		up += cands[i].up;
	if (!up)
		return -EHOSTUNREACH;

	switch (policy) {
	case VIRGO_POLICY_PRG:
		/* Each up node's share follows its weight; all 0: equal. */
		for (i = 0, total = 0; i < n; i++)
			total += cands[i].up ? cands[i].weight : 0;
		pick = reciprocal_scale(random, total ?: up);
		for (i = 0; i < n; i++) {
			if (!cands[i].up)
				continue;
			w = total ? cands[i].weight : 1;
			if (pick < w)
				return i;
			pick -= w;
		}
		break;
	case VIRGO_POLICY_LEAST_LOADED:
		/* Find the lightest load, then pick uniformly among its ties. */
		for (i = 0; i < n; i++) {
			if (!cands[i].up)
				continue;
			cmp = best < 0 ? -1 : virgo_load_cmp(&cands[i].load,
							     &cands[best].load);
			if (cmp < 0) {
				best = i;
				ties = 1;
			} else if (!cmp) {
				ties++;
			}
		}
		pick = reciprocal_scale(random, ties);
		for (i = 0; i < n; i++)
			if (cands[i].up &&
			    !virgo_load_cmp(&cands[i].load, &cands[best].load) &&
			    !pick--)
				return i;
		break;
	case VIRGO_POLICY_ROUND_ROBIN:
		/* The up node with the smallest id above the cursor, or wrap. */
		for (i = 0; i < n; i++) {
			if (!cands[i].up)
				continue;
			if (cands[i].id > *rr_cursor &&
			    (best < 0 || cands[i].id < cands[best].id))
				best = i;
		}
		if (best < 0) {
			for (i = 0; i < n; i++)
				if (cands[i].up && (best < 0 || cands[i].id < cands[best].id))
					best = i;
		}
		*rr_cursor = cands[best].id;
		return best;
	default:
		break;
	}
	return -EINVAL;
}

/**
 * virgo_balancer_pick() - the node the next call should go to
 *
 * Return: a node id, or -EHOSTUNREACH when no client node is up.
 */
int virgo_balancer_pick(void)
{
	struct virgo_candidate *cands;
	unsigned int n;
	int i;

	cands = kcalloc(VIRGO_MAX_NODES, sizeof(*cands), GFP_KERNEL);
	if (!cands)
		return -ENOMEM;
	n = virgo_nodes_snapshot(cands);
	spin_lock(&virgo_rr_lock);
	i = virgo_balancer_choose(virgo_balancer_policy(), cands, n,
				  get_random_u32(), &virgo_rr_cursor);
	spin_unlock(&virgo_rr_lock);
	if (i >= 0)
		i = cands[i].id;
	kfree(cands);
	trace_virgo_balancer_pick(virgo_policy_name(virgo_balancer_policy()), i);
	return i;
}
EXPORT_SYMBOL_GPL(virgo_balancer_pick);

/*
 * Analytics keys: balancer.policy (prg, least-loaded or round-robin;
 * deleted, the policy from before it was set) and balancer.weight.<id>
 * (0 to VIRGO_WEIGHT_MAX; 1 when deleted). A value the balancer cannot
 * take is refused before it is set. The notifier's calls are serialised.
 */
static int virgo_policy_saved = -1;

static int virgo_balancer_key(const char *key, const char *value, u32 *id, u32 *weight)
{
	const char *p = "balancer.weight.";
	char canon[4];

	if (!strncmp(key, p, strlen(p))) {
		/* One key a node: "3", not "03" or "+3". */
		if (kstrtou32(key + strlen(p), 10, id) || !*id || *id > VIRGO_MAX_NODES)
			return -EINVAL;
		snprintf(canon, sizeof(canon), "%u", *id);
		if (strcmp(canon, key + strlen(p)))
			return -EINVAL;
		if (value && (kstrtou32(value, 10, weight) || *weight > VIRGO_WEIGHT_MAX))
			return -EINVAL;
		return 1;
	}
	if (!strcmp(key, "balancer.policy"))
		return !value || virgo_policy_parse(value) >= 0 ? 2 : -EINVAL;
	return 0;
}

static int virgo_balancer_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct virgo_analytics_change *c = data;
	u32 id, weight = 1;
	int kind = virgo_balancer_key(c->key, c->value, &id, &weight);

	if (kind < 0)
		return notifier_from_errno(kind);
	if (action == VIRGO_ANALYTICS_CHECK || !kind)
		return NOTIFY_DONE;
	if (kind == 1) {
		WRITE_ONCE(virgo_weights[id], weight);
	} else if (c->value) {
		if (c->fresh)
			virgo_policy_saved = virgo_balancer_policy();
		virgo_balancer_set_policy(virgo_policy_parse(c->value));
	} else if (virgo_policy_saved >= 0) {
		/* Deleted: the policy from before the key was set. */
		virgo_balancer_set_policy(virgo_policy_saved);
		virgo_policy_saved = -1;
	}
	return NOTIFY_OK;
}

static struct notifier_block virgo_balancer_nb = {
	.notifier_call = virgo_balancer_notify,
};

int virgo_balancer_analytics_init(void)
{
	return virgo_analytics_register_notifier(&virgo_balancer_nb);
}
