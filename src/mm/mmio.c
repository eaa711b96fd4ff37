// SPDX-License-Identifier: MIT
/*
 * MMIO regions (see <dmamap/mmio.h>): ranges of physical address space
 * outside RAM whose accesses go to handlers. The machine keeps them in a
 * list under mmio_lock (a read lock for lookups); lookups happen only when a
 * translation lands outside RAM, never on a RAM access.
 */
#include <dmamap/mmio.h>

#include "mm/mm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHYS_BITS	48

struct dmamap_mmio_region {
	struct dmamap_machine *machine;
	char name[32];
	phys_addr_t base;
	u64 size;
	const struct dmamap_mmio_ops *ops;
	void *priv;
	pthread_mutex_t regs_lock;	/* one access at a time to the register file */
	u8 *regs;			/* no handlers: the register file */
	struct list_head node;		/* machine->mmio_regions, under mmio_lock */
};

void mm_mmio_init(struct dmamap_machine *m)
{
	pthread_rwlock_init(&m->mmio_lock, NULL);
	INIT_LIST_HEAD(&m->mmio_regions);
}

static void region_free(struct dmamap_mmio_region *r)
{
	pthread_mutex_destroy(&r->regs_lock);
	free(r->regs);
	free(r);
}

void mm_mmio_exit(struct dmamap_machine *m)
{
	while (!list_empty(&m->mmio_regions)) {
		struct dmamap_mmio_region *r =
			list_first_entry(&m->mmio_regions, struct dmamap_mmio_region, node);

		list_del_init(&r->node);
		region_free(r);
	}
	pthread_rwlock_destroy(&m->mmio_lock);
}

static bool overlaps_ram(const struct dmamap_machine *m, phys_addr_t base, u64 size)
{
	for (unsigned int i = 0; i < m->nr_banks; i++)
		if (base < m->banks[i].base + m->banks[i].size && m->banks[i].base < base + size)
			return true;
	return false;
}

DMAMAP_API int dmamap_mmio_region_create(struct dmamap_machine *m,
					 const struct dmamap_mmio_config *cfg,
					 struct dmamap_mmio_region **out)
{
	struct dmamap_mmio_region *r, *o;
	int ret = 0;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!m || !cfg)
		return -EINVAL;
	if (!cfg->size || !PAGE_ALIGNED(cfg->base) || !PAGE_ALIGNED(cfg->size) ||
	    cfg->base + cfg->size < cfg->base || cfg->base + cfg->size > (1ULL << MAX_PHYS_BITS)) {
		mm_report(m, "mmio: region %#llx+%#llx is empty, unaligned or beyond %d bits",
			  (unsigned long long)cfg->base, (unsigned long long)cfg->size,
			  MAX_PHYS_BITS);
		return -EINVAL;
	}
	if (overlaps_ram(m, cfg->base, cfg->size)) {
		mm_report(m, "mmio: region %#llx+%#llx overlaps RAM", (unsigned long long)cfg->base,
			  (unsigned long long)cfg->size);
		return -EINVAL;
	}
	if (!cfg->ops && cfg->size > (1ULL << 30)) {
		mm_report(m, "mmio: a register file of %#llx bytes (1 GiB at most)",
			  (unsigned long long)cfg->size);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (!cfg->ops) {
		r->regs = calloc(1, (size_t)cfg->size);
		if (!r->regs) {
			free(r);
			return -ENOMEM;
		}
	}
	r->machine = m;
	r->base = cfg->base;
	r->size = cfg->size;
	r->ops = cfg->ops;
	r->priv = cfg->priv;
	pthread_mutex_init(&r->regs_lock, NULL);

	pthread_rwlock_wrlock(&m->mmio_lock);
	list_for_each_entry(o, &m->mmio_regions, node) {
		if (r->base < o->base + o->size && o->base < r->base + r->size) {
			ret = -EINVAL;
			break;
		}
	}
	if (!ret) {
		if (cfg->name)
			snprintf(r->name, sizeof(r->name), "%s", cfg->name);
		else
			snprintf(r->name, sizeof(r->name), "mmio%u", m->next_mmio_id);
		m->next_mmio_id++;
		list_add_tail(&r->node, &m->mmio_regions);
	}
	pthread_rwlock_unlock(&m->mmio_lock);
	if (ret) {
		mm_report(m, "mmio: region %#llx+%#llx overlaps another region",
			  (unsigned long long)cfg->base, (unsigned long long)cfg->size);
		region_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

DMAMAP_API void dmamap_mmio_region_destroy(struct dmamap_mmio_region *r)
{
	struct dmamap_machine *m;

	if (!r)
		return;
	m = r->machine;
	pthread_rwlock_wrlock(&m->mmio_lock);
	list_del_init(&r->node);
	pthread_rwlock_unlock(&m->mmio_lock);
	region_free(r);
}

DMAMAP_API void *dmamap_mmio_region_regs(struct dmamap_mmio_region *r)
{
	return r ? r->regs : NULL;
}

DMAMAP_API phys_addr_t dmamap_mmio_region_base(const struct dmamap_mmio_region *r)
{
	return r ? r->base : 0;
}

struct dmamap_mmio_region *mm_mmio_find(struct dmamap_machine *m, phys_addr_t phys,
					phys_addr_t *end)
{
	struct dmamap_mmio_region *r, *found = NULL;

	pthread_rwlock_rdlock(&m->mmio_lock);
	list_for_each_entry(r, &m->mmio_regions, node) {
		if (phys >= r->base && phys - r->base < r->size) {
			found = r;
			*end = r->base + r->size;
			break;
		}
	}
	pthread_rwlock_unlock(&m->mmio_lock);
	return found;
}

bool mm_phys_is_mmio(struct dmamap_machine *m, phys_addr_t phys, u64 len)
{
	phys_addr_t end;

	return len && phys + len - 1 >= phys && mm_mmio_find(m, phys, &end) &&
	       phys + len - 1 < end;
}

const char *mm_mmio_name(const struct dmamap_mmio_region *r)
{
	return r->name;
}

int mm_mmio_access(struct dmamap_mmio_region *r, phys_addr_t phys, void *buf, size_t len,
		   bool write)
{
	u64 off = phys - r->base;

	if (r->ops) {
		if (write)
			return r->ops->write ? r->ops->write(r->priv, off, buf, len) : -EIO;
		return r->ops->read ? r->ops->read(r->priv, off, buf, len) : -EIO;
	}
	pthread_mutex_lock(&r->regs_lock);
	if (write)
		memcpy(r->regs + off, buf, len);
	else
		memcpy(buf, r->regs + off, len);
	pthread_mutex_unlock(&r->regs_lock);
	return 0;
}
