// SPDX-License-Identifier: MIT
/*
 * The bus master: translate, check, move bytes. See <dmamap/bus.h>.
 *
 * An access is split where translation says the physical range stops being
 * contiguous, so a buffer that is contiguous in memory moves in one copy
 * whatever the page size of its mapping.
 */
#include "bus/bus.h"
#include "mm/cache.h"
#include "iommu/iommu.h"
#include "dma/coherent.h"
#include "dma/trace.h"

#include <stdlib.h>
#include <string.h>

#define COPY_CHUNK	(64UL << 10)

long bus_translate_direct(struct device *dev, dma_addr_t dma, size_t len, bool write,
			  phys_addr_t *phys, struct dmamap_fault *f)
{
	const struct mm_bank *b;
	phys_addr_t p;
	u64 run;

	f->flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
	if (dma > *dev->dma_mask) {
		f->reason = DMAMAP_FAULT_ADDRESS_SIZE;
		return -EFAULT;
	}
	run = min_t(u64, len, *dev->dma_mask - dma + 1);
	p = dma_to_phys(dev, dma);
	if (p < dma) {		/* the offset wrapped past the top */
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	b = mm_phys_bank(dev->machine, p, 1);
	if (!b) {
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	run = min_t(u64, run, b->base + b->size - p);
	*phys = p;
	return (long)run;
}

/* Translation counts for one bus call, added to the machine's once. */
struct bus_counts {
	u64 hits, misses;
};

static inline long bus_translate(struct device *dev, dma_addr_t dma, size_t len, bool write,
				 phys_addr_t *phys, struct dmamap_fault *f, struct bus_counts *c)
{
	if (dev->iotlb && dev->domain->type != IOMMU_DOMAIN_IDENTITY)
		return iommu_bus_translate(dev, dma, len, write, phys, f, &c->hits, &c->misses);
	return bus_translate_direct(dev, dma, len, write, phys, f);
}

static void bus_account(struct device *dev, const struct bus_counts *c)
{
	if (c->hits)
		mm_count(dev->machine, iotlb_hits, c->hits);
	if (c->misses)
		mm_count(dev->machine, iotlb_misses, c->misses);
}

static int bus_fail(struct device *dev, dma_addr_t addr, size_t done, int err,
		    const struct dmamap_fault *f, struct dmamap_fault *out)
{
	if (out) {
		*out = *f;
		out->addr = addr;
		out->done = done;
	}
	return err;
}

static bool bad_range(dma_addr_t addr, size_t len)
{
	return len && addr + len - 1 < addr;
}

static int bus_load(struct device *dev, dma_addr_t src, void *buf, size_t len,
		    struct dmamap_fault *fault)
{
	struct dmamap_fault f = { 0 };
	struct bus_counts c = { 0, 0 };
	size_t done = 0;

	while (done < len) {
		phys_addr_t phys;
		long n = bus_translate(dev, src + done, len - done, false, &phys, &f, &c);

		if (n < 0) {
			bus_account(dev, &c);
			return bus_fail(dev, src + done, done, (int)n, &f, fault);
		}
		dma_prep_pending_range(dev->machine, phys, (size_t)n);
		if (dev->dma_coherent)
			mm_cpu_view_read(dev->machine, phys, (u8 *)buf + done, (size_t)n);
		else
			memcpy((u8 *)buf + done, mm_phys_to_mem(dev->machine, phys), (size_t)n);
		done += (size_t)n;
	}
	bus_account(dev, &c);
	if (fault)
		memset(fault, 0, sizeof(*fault));
	return 0;
}

/* Writes @len bytes from @buf, or of @byte when @buf is NULL. */
static int bus_store(struct device *dev, dma_addr_t dst, const void *buf, int byte, size_t len,
		     struct dmamap_fault *fault)
{
	struct dmamap_fault f = { 0 };
	struct bus_counts c = { 0, 0 };
	size_t done = 0;

	while (done < len) {
		phys_addr_t phys;
		long n = bus_translate(dev, dst + done, len - done, true, &phys, &f, &c);

		if (n < 0) {
			bus_account(dev, &c);
			return bus_fail(dev, dst + done, done, (int)n, &f, fault);
		}
		dma_prep_pending_range(dev->machine, phys, (size_t)n);
		if (dev->dma_coherent) {
			if (buf)
				mm_coherent_write(dev->machine, phys, (const u8 *)buf + done, (size_t)n);
			else
				mm_coherent_fill(dev->machine, phys, byte, (size_t)n);
		} else {
			u8 *mem = mm_phys_to_mem(dev->machine, phys);

			if (buf)
				memcpy(mem, (const u8 *)buf + done, (size_t)n);
			else
				memset(mem, byte, (size_t)n);
		}
		done += (size_t)n;
	}
	bus_account(dev, &c);
	if (fault)
		memset(fault, 0, sizeof(*fault));
	return 0;
}

/* The device's side of the trace: one event per bus call. */
static inline int bus_traced(struct device *dev, const char *name, dma_addr_t addr, size_t len,
			     bool write, int ret, u64 t0)
{
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_BUS, name, addr, len,
			   write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ, ret, t0);
	return ret;
}

DMAMAP_API int dmamap_bus_read(struct device *dev, dma_addr_t src, void *buf, size_t len,
			       struct dmamap_fault *fault)
{
	u64 t0;

	if (!dev || (!buf && len) || bad_range(src, len))
		return -EINVAL;
	t0 = trace_on(dev) ? trace_now() : 0;
	return bus_traced(dev, "bus_read", src, len, false, bus_load(dev, src, buf, len, fault),
			  t0);
}

DMAMAP_API int dmamap_bus_write(struct device *dev, dma_addr_t dst, const void *buf, size_t len,
				struct dmamap_fault *fault)
{
	u64 t0;

	if (!dev || (!buf && len) || bad_range(dst, len))
		return -EINVAL;
	t0 = trace_on(dev) ? trace_now() : 0;
	return bus_traced(dev, "bus_write", dst, len, true,
			  bus_store(dev, dst, buf, 0, len, fault), t0);
}

DMAMAP_API int dmamap_bus_fill(struct device *dev, dma_addr_t dst, int byte, size_t len,
			       struct dmamap_fault *fault)
{
	u64 t0;

	if (!dev || bad_range(dst, len))
		return -EINVAL;
	t0 = trace_on(dev) ? trace_now() : 0;
	return bus_traced(dev, "bus_fill", dst, len, true,
			  bus_store(dev, dst, NULL, byte, len, fault), t0);
}

/*
 * A device-internal copy: read a chunk, write it. A fault on either side
 * stops the copy; done counts the bytes written.
 */
DMAMAP_API int dmamap_bus_copy(struct device *dev, dma_addr_t dst, dma_addr_t src, size_t len,
			       struct dmamap_fault *fault)
{
	u8 chunk[4096];
	u8 *tmp = chunk;
	size_t cap = sizeof(chunk), done = 0;
	int ret = 0;
	u64 t0;

	if (!dev || bad_range(dst, len) || bad_range(src, len))
		return -EINVAL;
	t0 = trace_on(dev) ? trace_now() : 0;
	if (len > cap) {
		u8 *big = malloc(COPY_CHUNK);

		if (big) {
			tmp = big;
			cap = COPY_CHUNK;
		}
	}
	while (done < len) {
		size_t n = min(len - done, cap);
		struct dmamap_fault f;

		ret = bus_load(dev, src + done, tmp, n, &f);
		if (ret) {
			if (fault) {
				*fault = f;
				fault->done = done;
			}
			break;
		}
		ret = bus_store(dev, dst + done, tmp, 0, n, &f);
		if (ret) {
			if (fault) {
				*fault = f;
				fault->done = done + f.done;
			}
			break;
		}
		done += n;
	}
	if (tmp != chunk)
		free(tmp);
	if (!ret && fault)
		memset(fault, 0, sizeof(*fault));
	return bus_traced(dev, "bus_copy", dst, len, true, ret, t0);
}
