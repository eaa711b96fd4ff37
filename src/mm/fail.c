// SPDX-License-Identifier: MIT
/*
 * Fault injection: the kernel's should_fail() over the library's sites (see
 * <dmamap/fault-inject.h>).
 *
 * One setting for the process, under a lock: injection is for tests, where
 * the cost of a lock per call at a site does not matter; when nothing is set
 * the sites do not reach here (mm_should_fail()).
 */
#include "mm/fail.h"
#include "mm/mm.h"
#include "lib/lockdep.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

int mm_fail_enabled;

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmamap_fail_config fail_cfg;	/* guarded by fail_lock */
static struct dmamap_fail_stats fail_stats;	/* guarded by fail_lock */
static u64 fail_count;				/* calls counted, for interval; fail_lock */
static u64 fail_rng;				/* xorshift64 state; fail_lock */

static const char *const site_names[DMAMAP_FAIL_NR_SITES] = {
	"page_alloc", "slab", "iova", "pgtable", "swiotlb", "vmalloc", "host",
};

DMAMAP_API const char *dmamap_fail_site_name(unsigned long site)
{
	if (!is_power_of_2(site) || site > (1UL << (DMAMAP_FAIL_NR_SITES - 1)))
		return "unknown";
	return site_names[__builtin_ctzl(site)];
}

static u64 next_random(void)
{
	u64 x = fail_rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	fail_rng = x;
	return x;
}

static int set_locked(const struct dmamap_fail_config *cfg)
{
	lockdep_assert_held(&fail_lock);
	if (cfg && ((cfg->sites & ~DMAMAP_FAIL_ALL) || cfg->probability > 100))
		return -EINVAL;
	fail_cfg = cfg ? *cfg : (struct dmamap_fail_config){ 0 };
	memset(&fail_stats, 0, sizeof(fail_stats));
	fail_count = 0;
	/* xorshift needs a state other than 0 */
	fail_rng = fail_cfg.seed ^ 0x9E3779B97F4A7C15ULL;
	if (!fail_rng)
		fail_rng = 1;
	smp_store_release(&mm_fail_enabled, fail_cfg.sites != 0);
	return 0;
}

DMAMAP_API int dmamap_fail_set(const struct dmamap_fail_config *cfg)
{
	int ret;

	pthread_mutex_lock(&fail_lock);
	ret = set_locked(cfg);
	pthread_mutex_unlock(&fail_lock);
	return ret;
}

DMAMAP_API void dmamap_fail_stats(struct dmamap_fail_stats *out)
{
	if (!out)
		return;
	pthread_mutex_lock(&fail_lock);
	*out = fail_stats;
	pthread_mutex_unlock(&fail_lock);
}

/* As the kernel's should_fail_ex(): fail-nth first, then times, interval, probability. */
bool mm_should_fail_slow(unsigned long site, const struct dmamap_machine *m)
{
	const struct dmamap_fail_config *c = &fail_cfg;
	bool fail = false;

	pthread_mutex_lock(&fail_lock);
	if (!(c->sites & site) || (c->machine && c->machine != m))
		goto out;
	fail_stats.calls++;
	if (c->times && fail_stats.failed >= c->times)
		goto out;
	if (c->nth) {
		fail = fail_stats.calls == c->nth;
	} else {
		fail_count++;
		fail = c->interval <= 1 || fail_count % c->interval == 0;
		if (fail && c->probability && c->probability < 100)
			fail = next_random() % 100 < c->probability;
	}
	if (fail) {
		fail_stats.failed++;
		fail_stats.failed_at[__builtin_ctzl(site)]++;
		if (c->verbose)
			fprintf(stderr, "dmamap: fault injection: %s call %llu fails\n",
				dmamap_fail_site_name(site), (unsigned long long)fail_stats.calls);
	}
out:
	pthread_mutex_unlock(&fail_lock);
	return fail;
}

/* --- DMAMAP_FAIL ------------------------------------------------------------- */

static bool parse_ulong(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s)
		return false;
	*out = strtoull(s, &end, 0);
	return *end == 0;
}

static int parse_sites(char *list, unsigned long *sites)
{
	char *save = NULL;

	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		if (!strcmp(w, "all")) {
			*sites |= DMAMAP_FAIL_ALL;
			continue;
		}
		for (i = 0; i < DMAMAP_FAIL_NR_SITES; i++)
			if (!strcmp(w, site_names[i]))
				break;
		if (i == DMAMAP_FAIL_NR_SITES)
			return -EINVAL;
		*sites |= 1UL << i;
	}
	return *sites ? 0 : -EINVAL;
}

static int parse_env(const char *env, struct dmamap_fail_config *c)
{
	char buf[256], *opts, *save = NULL;

	if (strlen(env) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, env);
	opts = strchr(buf, ':');
	if (opts)
		*opts++ = 0;
	if (parse_sites(buf, &c->sites))
		return -EINVAL;
	for (char *kv = opts ? strtok_r(opts, ":", &save) : NULL; kv;
	     kv = strtok_r(NULL, ":", &save)) {
		char *val = strchr(kv, '=');
		unsigned long long v = 0;

		if (!strcmp(kv, "verbose")) {
			c->verbose = true;
			continue;
		}
		if (!val)
			return -EINVAL;
		*val++ = 0;
		if (!parse_ulong(val, &v))
			return -EINVAL;
		if (!strcmp(kv, "nth"))
			c->nth = (unsigned long)v;
		else if (!strcmp(kv, "interval"))
			c->interval = (unsigned long)v;
		else if (!strcmp(kv, "probability") && v <= 100)
			c->probability = (unsigned int)v;
		else if (!strcmp(kv, "times"))
			c->times = (unsigned long)v;
		else if (!strcmp(kv, "seed"))
			c->seed = v;
		else
			return -EINVAL;
	}
	return 0;
}

static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void read_env(void)
{
	const char *env = getenv("DMAMAP_FAIL");
	struct dmamap_fail_config c = { 0 };

	if (!env || !*env)
		return;
	if (parse_env(env, &c)) {
		fprintf(stderr, "dmamap: DMAMAP_FAIL=%s: not SITES[:KEY=VALUE]... (sites page_alloc, "
			"slab, iova, pgtable, swiotlb, vmalloc, host, all; keys nth, interval, "
			"probability, times, seed, verbose); no fault injected\n", env);
		return;
	}
	dmamap_fail_set(&c);
}

void mm_fail_env(void)
{
	pthread_once(&env_once, read_env);
}
