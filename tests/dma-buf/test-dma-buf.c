// SPDX-License-Identifier: MIT
/*
 * dma-buf: the core's rules with a test exporter that counts its calls, and
 * the ready-made exporter on direct devices.
 */
#include "test-util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <dmamap/dma-buf.h>

/* --- a test exporter ----------------------------------------------------------- */

struct tx {
	struct dmamap_machine *m;
	struct device *dev;
	struct page *page;		/* one order-2 block */
	int attach, detach, map, unmap, release, begin, end, mmap, vmap, vunmap;
	int refuse_attach;		/* errno attach returns, 0: accept */
	bool map_null;			/* map_dma_buf returns NULL */
	unsigned int map_offset;	/* offset of the segment handed out */
	pthread_mutex_t lock;
};

struct tx_attach {
	struct sg_table sgt;
};

static int tx_attach(struct dma_buf *b, struct dma_buf_attachment *at)
{
	struct tx *t = b->priv;
	struct tx_attach *ta;

	if (t->refuse_attach)
		return -t->refuse_attach;
	ta = calloc(1, sizeof(*ta));
	if (!ta || sg_alloc_table(&ta->sgt, 1, GFP_KERNEL)) {
		free(ta);
		return -ENOMEM;
	}
	sg_set_page(ta->sgt.sgl, t->page, 4 * PAGE_SIZE, 0);
	at->priv = ta;
	__atomic_fetch_add(&t->attach, 1, __ATOMIC_RELAXED);
	return 0;
}

static void tx_detach(struct dma_buf *b, struct dma_buf_attachment *at)
{
	struct tx *t = b->priv;
	struct tx_attach *ta = at->priv;

	sg_free_table(&ta->sgt);
	free(ta);
	__atomic_fetch_add(&t->detach, 1, __ATOMIC_RELAXED);
}

static struct sg_table *tx_map(struct dma_buf_attachment *at, enum dma_data_direction dir)
{
	struct tx *t = at->dmabuf->priv;
	struct tx_attach *ta = at->priv;
	int ret;

	if (t->map_null)
		return NULL;
	ret = dma_map_sgtable(at->dev, &ta->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	sg_dma_address(ta->sgt.sgl) += t->map_offset;
	__atomic_fetch_add(&t->map, 1, __ATOMIC_RELAXED);
	return &ta->sgt;
}

static void tx_unmap(struct dma_buf_attachment *at, struct sg_table *sgt,
		     enum dma_data_direction dir)
{
	struct tx *t = at->dmabuf->priv;

	sg_dma_address(sgt->sgl) -= t->map_offset;
	dma_unmap_sgtable(at->dev, sgt, dir, 0);
	__atomic_fetch_add(&t->unmap, 1, __ATOMIC_RELAXED);
}

static void tx_release(struct dma_buf *b)
{
	struct tx *t = b->priv;

	__atomic_fetch_add(&t->release, 1, __ATOMIC_RELAXED);
}

static int tx_begin(struct dma_buf *b, enum dma_data_direction dir)
{
	struct tx *t = b->priv;

	t->begin++;
	return 0;
}

static int tx_end(struct dma_buf *b, enum dma_data_direction dir)
{
	struct tx *t = b->priv;

	t->end++;
	return 0;
}

static int tx_mmap(struct dma_buf *b, struct vm_area_struct *vma)
{
	struct tx *t = b->priv;

	t->mmap++;
	/* the page offset dma_buf_mmap() was given reaches us in vm_pgoff */
	return (int)vma->vm_pgoff;
}

static int tx_vmap(struct dma_buf *b, struct iosys_map *map)
{
	struct tx *t = b->priv;

	t->vmap++;
	iosys_map_set_vaddr(map, page_address(t->page));
	return 0;
}

static void tx_vunmap(struct dma_buf *b, struct iosys_map *map)
{
	struct tx *t = b->priv;

	t->vunmap++;
}

static const struct dma_buf_ops tx_ops = {
	.attach = tx_attach, .detach = tx_detach, .map_dma_buf = tx_map,
	.unmap_dma_buf = tx_unmap, .release = tx_release, .begin_cpu_access = tx_begin,
	.end_cpu_access = tx_end, .mmap = tx_mmap, .vmap = tx_vmap, .vunmap = tx_vunmap,
};

static struct dma_buf *tx_export(struct tx *t, struct dmamap_machine *m)
{
	const struct dmamap_device_config dc = { .name = "importer", .dma_offset = 0x80000000 };
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *b;

	memset(t, 0, sizeof(*t));
	t->m = m;
	t->dev = test_device(m, &dc, NULL);
	t->page = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(t->page);
	info.ops = &tx_ops;
	info.size = 4 * PAGE_SIZE;
	info.priv = t;
	b = dma_buf_export(&info);
	assert_false(IS_ERR(b));
	return b;
}

static void tx_done(struct tx *t)
{
	dmamap_free_pages(t->page, 2);
	dmamap_device_destroy(t->dev);
}

/* --- the core's rules ---------------------------------------------------------- */

static void test_export_checks_ops(void **state)
{
	struct dma_buf_ops ops = tx_ops;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct tx priv;		/* what tx_ops' release counts in */

	(void)state;
	memset(&priv, 0, sizeof(priv));
	info.size = PAGE_SIZE;
	info.priv = &priv;
	assert_int_equal(PTR_ERR(dma_buf_export(NULL)), -EINVAL);
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);	/* no ops */
	info.ops = &ops;
	ops.map_dma_buf = NULL;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);
	ops = tx_ops;
	ops.unmap_dma_buf = NULL;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);
	ops = tx_ops;
	ops.release = NULL;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);
	ops = tx_ops;
	info.priv = NULL;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);
	info.priv = &priv;
	info.size = 0;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);
	/* optional ops may be missing */
	ops.attach = NULL;
	ops.mmap = NULL;
	ops.vmap = NULL;
	info.size = PAGE_SIZE;
	struct dma_buf *b = dma_buf_export(&info);

	assert_false(IS_ERR(b));
	assert_int_equal(b->size, PAGE_SIZE);
	dma_buf_put(b);
	assert_int_equal(priv.release, 1);
}

static void test_refcount_release_once(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct dmamap_stats st0, st1;

	get_dma_buf(b);
	get_dma_buf(b);
	dma_buf_put(b);
	dma_buf_put(b);
	assert_int_equal(t.release, 0);
	dma_buf_put(b);
	assert_int_equal(t.release, 1);
	/* a put after the release is refused, and releases nothing again */
	dmamap_machine_stats(m, &st0);
	dma_buf_put(b);
	get_dma_buf(b);
	assert_int_equal(t.release, 1);
	dmamap_machine_stats(m, &st1);
	(void)st1;
	tx_done(&t);
}

static void test_attach_refused_and_detach(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct dma_buf_attachment *at;

	assert_int_equal(PTR_ERR(dma_buf_attach(NULL, t.dev)), -EINVAL);
	assert_int_equal(PTR_ERR(dma_buf_attach(b, NULL)), -EINVAL);
	t.refuse_attach = EBUSY;
	assert_int_equal(PTR_ERR(dma_buf_attach(b, t.dev)), -EBUSY);
	assert_int_equal(t.attach, 0);
	t.refuse_attach = 0;
	at = dma_buf_attach(b, t.dev);
	assert_false(IS_ERR(at));
	assert_ptr_equal(at->dmabuf, b);
	assert_ptr_equal(at->dev, t.dev);
	/* the attachment keeps the buffer: the last put waits for the detach */
	dma_buf_put(b);
	assert_int_equal(t.release, 0);
	dma_buf_detach(b, at);
	assert_int_equal(t.detach, 1);
	assert_int_equal(t.release, 1);
	tx_done(&t);
}

static void test_map_rules(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct dma_buf_attachment *at = dma_buf_attach(b, t.dev);
	struct sg_table *sgt;
	struct dmamap_stats st0, st1;

	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(NULL, DMA_TO_DEVICE)), -EINVAL);
	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(at, DMA_NONE)), -EINVAL);
	/* an exporter returning NULL is -ENOMEM */
	t.map_null = true;
	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE)), -ENOMEM);
	t.map_null = false;
	/* addresses handed to importers are page aligned, or the map is refused */
	t.map_offset = 0x80;
	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE)), -EINVAL);
	assert_int_equal(t.unmap, 1);	/* undone */
	t.map_offset = 0;
	sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	assert_false(IS_ERR(sgt));
	/* the importer's own address: phys - its DMA offset */
	assert_int_equal(sg_dma_address(sgt->sgl), page_to_phys(t.page) - 0x80000000);
	dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
	assert_int_equal(t.unmap, 2);
	/* unmapping twice is refused and reaches the exporter once */
	dmamap_machine_stats(m, &st0);
	dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
	dmamap_machine_stats(m, &st1);
	assert_int_equal(t.unmap, 2);
	assert_true(st1.api_errors > st0.api_errors);
	/* a detached attachment cannot be mapped */
	get_dma_buf(b);
	dma_buf_detach(b, at);
	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE)), -EINVAL);
	assert_int_equal(t.map, 2);
	dma_buf_put(b);
	dma_buf_put(b);
	assert_int_equal(t.release, 1);
	tx_done(&t);
}

static void test_detach_unmaps_leftovers(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct dma_buf_attachment *at = dma_buf_attach(b, t.dev);

	assert_false(IS_ERR(dma_buf_map_attachment_unlocked(at, DMA_BIDIRECTIONAL)));
	dma_buf_detach(b, at);
	assert_int_equal(t.unmap, 1);
	dma_buf_put(b);
	tx_done(&t);
}

static void test_cpu_access_and_mmap_bounds(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct vm_area_struct *vma;

	assert_int_equal(dma_buf_begin_cpu_access(b, DMA_FROM_DEVICE), 0);
	assert_int_equal(dma_buf_end_cpu_access(b, DMA_FROM_DEVICE), 0);
	assert_int_equal(t.begin, 1);
	assert_int_equal(t.end, 1);
	assert_int_equal(dma_buf_begin_cpu_access(NULL, DMA_FROM_DEVICE), -EINVAL);

	assert_int_equal(dmamap_vma_create(m, 2 * PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(dma_buf_mmap(b, vma, 2), 2);	/* tx_mmap returns vm_pgoff */
	assert_int_equal(vma->vm_pgoff, 2);
	assert_int_equal(dma_buf_mmap(b, vma, 3), -EINVAL);	/* past the end */
	assert_int_equal(dma_buf_mmap(b, vma, ~0UL), -EOVERFLOW);
	assert_int_equal(dma_buf_mmap(b, NULL, 0), -EINVAL);
	assert_int_equal(t.mmap, 1);
	dmamap_vma_destroy(vma);
	dma_buf_put(b);
	tx_done(&t);
}

static void test_vmap_refcounted(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct iosys_map a, c, wrong = { .vaddr = (void *)0x1000 };

	assert_int_equal(dma_buf_vmap_unlocked(b, &a), 0);
	assert_int_equal(dma_buf_vmap_unlocked(b, &c), 0);
	assert_int_equal(t.vmap, 1);
	assert_true(iosys_map_is_equal(&a, &c));
	assert_int_equal(b->vmapping_counter, 2);
	dma_buf_vunmap_unlocked(b, &wrong);	/* refused */
	assert_int_equal(b->vmapping_counter, 2);
	dma_buf_vunmap_unlocked(b, &a);
	assert_int_equal(t.vunmap, 0);
	dma_buf_vunmap_unlocked(b, &c);
	assert_int_equal(t.vunmap, 1);
	dma_buf_vunmap_unlocked(b, &c);		/* unbalanced: refused */
	assert_int_equal(t.vunmap, 1);
	dma_buf_put(b);
	tx_done(&t);
}

/* Attach, map, unmap and detach from several threads; release once, after the last put. */
struct worker {
	struct dma_buf *b;
	struct device *dev;
	int errors;
};

static void *attach_worker(void *arg)
{
	struct worker *w = arg;

	/* an importer holds its own reference, as it would hold the file */
	for (int i = 0; i < 300; i++) {
		struct dma_buf_attachment *at = dma_buf_attach(w->b, w->dev);
		struct sg_table *sgt;

		if (IS_ERR(at)) {
			w->errors++;
			continue;
		}
		sgt = dma_buf_map_attachment_unlocked(at, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			w->errors++;
		else
			dma_buf_unmap_attachment_unlocked(at, sgt, DMA_BIDIRECTIONAL);
		dma_buf_detach(w->b, at);
	}
	dma_buf_put(w->b);
	return NULL;
}

static void test_threads_attach_map_detach(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct worker w[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .b = b, .dev = t.dev };
		get_dma_buf(b);
		assert_int_equal(pthread_create(&th[i], NULL, attach_worker, &w[i]), 0);
	}
	/* the exporter's own reference goes while the importers work */
	dma_buf_put(b);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	assert_int_equal(t.attach, 1200);
	assert_int_equal(t.detach, 1200);
	assert_int_equal(t.map, t.unmap);
	assert_int_equal(t.release, 1);
	tx_done(&t);
}

/* --- the ready-made exporter on direct devices ------------------------------------ */

static const struct dmamap_machine_config heap_direct_mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

static void test_heap_direct(void **state)
{
	struct dmamap_machine *m = *state;
	const struct dmamap_device_config ec = { .name = "exporter" };
	const struct dmamap_device_config ic = { .name = "importer", .dma_offset = 0x80000000 };
	struct device *exp, *imp;
	struct dmamap_stats st0, st1;
	struct dma_buf *b;
	struct dma_buf_attachment *ea, *ia;
	struct sg_table *es, *is;
	struct iosys_map map;
	u8 data[8192], seen[8192];

	exp = test_device(m, &ec, NULL);
	imp = test_device(m, &ic, NULL);
	assert_int_equal(PTR_ERR(dmamap_dma_buf_alloc(NULL, SZ_64K, 0)), -EINVAL);
	assert_int_equal(PTR_ERR(dmamap_dma_buf_alloc(exp, 0, 0)), -EINVAL);
	assert_int_equal(PTR_ERR(dmamap_dma_buf_alloc(exp, SZ_64K, DMA_ATTR_SKIP_CPU_SYNC)), -EINVAL);

	dmamap_machine_stats(m, &st0);
	b = dmamap_dma_buf_alloc(exp, SZ_64K, 0);
	assert_false(IS_ERR(b));
	dmamap_machine_stats(m, &st1);
	/* the backing store has no kernel mapping */
	assert_int_equal(st1.vmalloc_bytes, st0.vmalloc_bytes);
	assert_int_equal(st1.cookies, st0.cookies + 1);

	ea = dma_buf_attach(b, exp);
	ia = dma_buf_attach(b, imp);
	es = dma_buf_map_attachment_unlocked(ea, DMA_FROM_DEVICE);
	assert_false(IS_ERR(es));
	test_fill_pattern(data, sizeof(data), 9);
	assert_int_equal(dmamap_bus_write(exp, sg_dma_address(es->sgl) + SZ_16K, data, sizeof(data),
					  NULL), 0);
	dma_buf_unmap_attachment_unlocked(ea, es, DMA_FROM_DEVICE);

	is = dma_buf_map_attachment_unlocked(ia, DMA_TO_DEVICE);
	assert_false(IS_ERR(is));
	/* the importer's own DMA address, not the exporter's */
	assert_int_equal(is->nents, 1);
	assert_int_equal(sg_dma_address(is->sgl) + 0x80000000, sg_phys(is->sgl));
	assert_int_equal(dmamap_bus_read(imp, sg_dma_address(is->sgl) + SZ_16K, seen, sizeof(seen),
					 NULL), 0);
	assert_int_equal(test_check_pattern(seen, sizeof(seen), 9), -1);
	/* begin/end CPU access sync the mapped attachment */
	dmamap_machine_stats(m, &st0);
	assert_int_equal(dma_buf_begin_cpu_access(b, DMA_BIDIRECTIONAL), 0);
	assert_int_equal(dma_buf_end_cpu_access(b, DMA_BIDIRECTIONAL), 0);
	dmamap_machine_stats(m, &st1);
	assert_true(st1.syncs > st0.syncs);
	dma_buf_unmap_attachment_unlocked(ia, is, DMA_TO_DEVICE);

	/* vmap builds a kernel mapping, accounted, only when asked */
	dmamap_machine_stats(m, &st0);
	assert_int_equal(dma_buf_vmap_unlocked(b, &map), 0);
	dmamap_machine_stats(m, &st1);
	assert_true(st1.vmalloc_bytes >= st0.vmalloc_bytes + SZ_64K);
	assert_int_equal(test_check_pattern((u8 *)map.vaddr + SZ_16K, sizeof(data), 9), -1);
	dma_buf_vunmap_unlocked(b, &map);

	dma_buf_detach(b, ea);
	dma_buf_detach(b, ia);
	dma_buf_put(b);
	dmamap_device_destroy(exp);
	dmamap_device_destroy(imp);
}

static const struct dmamap_machine_config heap_iommu_unaligned_size_mc = {
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * A buffer whose size is not a page multiple, exported from a device behind
 * an IOMMU: its table once ended mid-page (the exporter's dma_get_sgtable()
 * cut the last entry to the size), so no importer could map it. Every
 * importer maps it now, direct or behind its own IOMMU, in page-aligned
 * segments covering the whole pages, and the bytes go through.
 */
static void test_heap_iommu_unaligned_size(void **state)
{
	struct dmamap_machine *m = *state;
	const struct dmamap_device_config dc = { 0 };
	struct iommu_domain *d1, *d2;
	struct device *devs[3];
	const size_t size = 10000;
	u8 data[10000], seen[10000];
	struct iosys_map map;
	struct dma_buf *b;

	for (int i = 0; i < 3; i++)
		devs[i] = test_device(m, &dc, NULL);
	assert_int_equal(dmamap_iommu_domain_create(m, NULL, &d1), 0);
	assert_int_equal(dmamap_iommu_domain_create(m, NULL, &d2), 0);
	assert_int_equal(iommu_attach_device(d1, devs[0]), 0);
	assert_int_equal(iommu_attach_device(d2, devs[2]), 0);
	b = dmamap_dma_buf_alloc(devs[0], size, 0);
	assert_false(IS_ERR(b));
	assert_int_equal(b->size, PAGE_ALIGN(size));
	test_fill_pattern(data, size, 12);
	for (int i = 0; i < 3; i++) {
		struct dma_buf_attachment *at = dma_buf_attach(b, devs[i]);
		struct scatterlist *sg;
		struct sg_table *t;
		size_t total = 0;
		unsigned int k;

		assert_false(IS_ERR(at));
		t = dma_buf_map_attachment_unlocked(at, DMA_BIDIRECTIONAL);
		assert_false(IS_ERR(t));
		for_each_sgtable_dma_sg(t, sg, k) {
			assert_true(PAGE_ALIGNED(sg_dma_address(sg)));
			assert_true(PAGE_ALIGNED(sg_dma_len(sg)));
			total += sg_dma_len(sg);
		}
		assert_int_equal(total, PAGE_ALIGN(size));
		if (i == 0) {
			assert_int_equal(dmamap_bus_write(devs[i], sg_dma_address(t->sgl), data, size,
							  NULL), 0);
		} else {
			assert_int_equal(dmamap_bus_read(devs[i], sg_dma_address(t->sgl), seen,
							 size, NULL), 0);
			assert_memory_equal(seen, data, size);
		}
		dma_buf_unmap_attachment_unlocked(at, t, DMA_BIDIRECTIONAL);
		dma_buf_detach(b, at);
	}
	assert_int_equal(dma_buf_vmap_unlocked(b, &map), 0);
	assert_memory_equal(map.vaddr, data, size);
	dma_buf_vunmap_unlocked(b, &map);
	dma_buf_put(b);
	assert_int_equal(test_stats(m).api_errors, 0);
	for (int i = 0; i < 3; i++)
		dmamap_device_destroy(devs[i]);
	iommu_domain_free(d1);
	iommu_domain_free(d2);
}

/* A freshly allocated buffer reads as zeros to every observer, whatever the frames held. */
static void test_heap_zeroed_before_seen(void **state)
{
	struct dmamap_machine *m = *state;
	const struct dmamap_device_config ec = { .name = "exporter" };
	struct device *exp;
	struct page *page;
	struct dma_buf *b;
	struct dma_buf_attachment *at;
	struct sg_table *sgt;
	struct vm_area_struct *vma;
	u8 buf[4096], zero[4096] = { 0 };

	exp = test_device(m, &ec, NULL);
	for (int observer = 0; observer < 2; observer++) {
		/* garbage in the frames the buffer will get (a coherent machine: in memory) */
		page = dmamap_alloc_pages(m, GFP_KERNEL, 4);
		memset(page_address(page), 0xa5, SZ_64K);
		dmamap_free_pages(page, 4);
		b = dmamap_dma_buf_alloc(exp, SZ_64K, 0);
		assert_false(IS_ERR(b));
		/* the buffer did get those frames */
		at = dma_buf_attach(b, exp);
		assert_false(IS_ERR(at));
		if (observer == 0) {
			/* a device reads through its mapping first */
			sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
			assert_false(IS_ERR(sgt));
			assert_int_equal(dmamap_bus_read(exp, sg_dma_address(sgt->sgl), buf,
							 sizeof(buf), NULL), 0);
			assert_memory_equal(buf, zero, sizeof(buf));
			assert_int_equal(sg_phys(sgt->sgl), page_to_phys(page));
			dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
		} else {
			/* user space looks first */
			assert_int_equal(dmamap_vma_create(m, SZ_64K, 0, &vma), 0);
			assert_int_equal(dma_buf_mmap(b, vma, 0), 0);
			assert_memory_equal((void *)vma->vm_start, zero, sizeof(zero));
			dmamap_vma_destroy(vma);
		}
		dma_buf_detach(b, at);
		dma_buf_put(b);
	}
	dmamap_device_destroy(exp);
}

/*
 * One attachment may have several tables mapped at once: each map is
 * recorded, each unmap reaches the exporter once for one of them, a third
 * unmap is refused, and a detach unmaps whatever is still mapped.
 */
static void test_map_twice_records_both(void **state)
{
	struct dmamap_machine *m = *state;
	struct tx t;
	struct dma_buf *b = tx_export(&t, m);
	struct dma_buf_attachment *at = dma_buf_attach(b, t.dev);
	struct sg_table *s1, *s2;
	struct dmamap_stats st0, st1;

	s1 = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	s2 = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	assert_false(IS_ERR(s1));
	assert_false(IS_ERR(s2));
	assert_int_equal(t.map, 2);
	dma_buf_unmap_attachment_unlocked(at, s2, DMA_TO_DEVICE);
	dma_buf_unmap_attachment_unlocked(at, s1, DMA_TO_DEVICE);
	assert_int_equal(t.unmap, 2);
	dmamap_machine_stats(m, &st0);
	dma_buf_unmap_attachment_unlocked(at, s1, DMA_TO_DEVICE);
	dmamap_machine_stats(m, &st1);
	assert_int_equal(t.unmap, 2);
	assert_true(st1.api_errors > st0.api_errors);
	/* both left mapped: the detach unmaps both */
	assert_false(IS_ERR(dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE)));
	assert_false(IS_ERR(dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE)));
	dma_buf_detach(b, at);
	assert_int_equal(t.unmap, 4);
	dma_buf_put(b);
	tx_done(&t);
}

/*
 * The ready-made exporter gives every attachment a table that describes
 * the buffer's pages afresh, whatever an earlier attachment (detached, maybe
 * with its table left mapped) did to its own: the next importer's addresses
 * are its own, page aligned, and reach the buffer's data.
 */
static void test_heap_reattach_fresh_table(void **state)
{
	struct dmamap_machine *m = *state;
	const struct dmamap_device_config ec = { .name = "exporter" };
	const struct dmamap_device_config ic = { .name = "importer", .dma_offset = 0x80000000 };
	struct device *exp, *imp;
	struct dma_buf *b;
	struct dma_buf_attachment *at;
	struct sg_table *sgt;
	struct page *page;
	u8 data[4096], seen[4096];

	exp = test_device(m, &ec, NULL);
	imp = test_device(m, &ic, NULL);
	b = dmamap_dma_buf_alloc(exp, SZ_64K, 0);
	assert_false(IS_ERR(b));
	at = dma_buf_attach(b, exp);
	sgt = dma_buf_map_attachment_unlocked(at, DMA_FROM_DEVICE);
	assert_false(IS_ERR(sgt));
	page = sg_page(sgt->sgl);
	test_fill_pattern(data, sizeof(data), 5);
	assert_int_equal(dmamap_bus_write(exp, sg_dma_address(sgt->sgl) + SZ_8K, data,
					  sizeof(data), NULL), 0);
	dma_buf_unmap_attachment_unlocked(at, sgt, DMA_FROM_DEVICE);
	/* a careless importer scribbles over its table, then detaches */
	sgt->sgl->offset = 0x100;
	sgt->sgl->length = 0x100;
	sgt->nents = 7;
	dma_buf_detach(b, at);

	for (int round = 0; round < 2; round++) {
		at = dma_buf_attach(b, imp);
		assert_false(IS_ERR(at));
		sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
		assert_false(IS_ERR(sgt));
		assert_int_equal(sgt->orig_nents, 1);
		assert_int_equal(sgt->nents, 1);
		assert_ptr_equal(sg_page(sgt->sgl), page);
		assert_int_equal(sgt->sgl->offset, 0);
		assert_int_equal(sgt->sgl->length, SZ_64K);
		assert_int_equal(sg_dma_address(sgt->sgl), page_to_phys(page) - 0x80000000);
		assert_int_equal(sg_dma_len(sgt->sgl), SZ_64K);
		assert_int_equal(dmamap_bus_read(imp, sg_dma_address(sgt->sgl) + SZ_8K, seen,
						 sizeof(seen), NULL), 0);
		assert_int_equal(test_check_pattern(seen, sizeof(seen), 5), -1);
		/* the second round detaches with the table still mapped */
		if (round == 0)
			dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
		dma_buf_detach(b, at);
	}
	dma_buf_put(b);
	dmamap_device_destroy(exp);
	dmamap_device_destroy(imp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_checks_ops),
		TEST_MACHINE_CASE(test_refcount_release_once, NULL),
		TEST_MACHINE_CASE(test_attach_refused_and_detach, NULL),
		TEST_MACHINE_CASE(test_map_rules, NULL),
		TEST_MACHINE_CASE(test_detach_unmaps_leftovers, NULL),
		TEST_MACHINE_CASE(test_cpu_access_and_mmap_bounds, NULL),
		TEST_MACHINE_CASE(test_vmap_refcounted, NULL),
		TEST_MACHINE_CASE(test_threads_attach_map_detach, NULL),
		TEST_MACHINE_CASE(test_heap_direct, &heap_direct_mc),
		TEST_MACHINE_CASE(test_heap_iommu_unaligned_size, &heap_iommu_unaligned_size_mc),
		TEST_MACHINE_CASE(test_heap_zeroed_before_seen, NULL),
		TEST_MACHINE_CASE(test_map_twice_records_both, NULL),
		TEST_MACHINE_CASE(test_heap_reattach_fresh_table, NULL),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
