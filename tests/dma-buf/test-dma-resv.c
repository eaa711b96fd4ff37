// SPDX-License-Identifier: MIT
/*
 * The reservation lock (src/dma-buf/dma-resv.c) and the dma-buf locking
 * convention of today's kernel (src/dma-buf/dma-buf.c): which calls want the
 * lock held and which must not hold it, the lock state the exporter's ops
 * run under, static and dynamic importers and exporters, kept mappings,
 * shared reservations, and the iosys_map helpers.
 */
#include "test-util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dmamap/dma-buf.h>

/* --- the w/w mutex --------------------------------------------------------------- */

static void test_resv_basics(void **state)
{
	struct dma_resv r;

	(void)state;
	dma_resv_init(&r);
	assert_false(dma_resv_is_locked(&r));
	assert_int_equal(dma_resv_lock(&r, NULL), 0);
	assert_true(dma_resv_is_locked(&r));
	assert_true(dma_resv_held(&r));
	assert_null(dma_resv_locking_ctx(&r));
	assert_false(dma_resv_trylock(&r));
	assert_int_equal(dma_resv_lock(&r, NULL), -EDEADLK);	/* itself: refused, no hang */
	dma_resv_unlock(&r);
	assert_false(dma_resv_held(&r));
	assert_true(dma_resv_trylock(&r));
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
}

/* Another thread holds the lock; dma_resv_held() is per thread. */
static void *hold_for_a_while(void *arg)
{
	struct dma_resv *r = arg;

	dma_resv_lock(r, NULL);
	usleep(50000);
	dma_resv_unlock(r);
	return NULL;
}

static void test_resv_other_thread(void **state)
{
	struct dma_resv r;
	pthread_t t;

	(void)state;
	dma_resv_init(&r);
	assert_int_equal(pthread_create(&t, NULL, hold_for_a_while, &r), 0);
	while (!dma_resv_is_locked(&r))
		usleep(1000);
	assert_false(dma_resv_held(&r));
	assert_false(dma_resv_trylock(&r));
	assert_int_equal(dma_resv_lock(&r, NULL), 0);	/* waits for it */
	assert_true(dma_resv_held(&r));
	dma_resv_unlock(&r);
	pthread_join(t, NULL);
	dma_resv_fini(&r);
}

/*
 * Wait-die: the younger context that holds a lock and wants one held by an
 * older context dies (-EDEADLK), backs off and waits with lock_slow; the
 * older one, holding a lock too, waits for the younger's instead of dying.
 */
struct wd {
	struct dma_resv a, b;
	struct ww_acquire_ctx old_ctx;
	int old_b_ret;
	int step;		/* atomic */
};

static void *older(void *arg)
{
	struct wd *w = arg;

	assert_int_equal(dma_resv_lock(&w->a, &w->old_ctx), 0);
	__atomic_store_n(&w->step, 1, __ATOMIC_RELEASE);
	w->old_b_ret = dma_resv_lock(&w->b, &w->old_ctx);	/* held by the younger: waits */
	__atomic_store_n(&w->step, 2, __ATOMIC_RELEASE);
	dma_resv_unlock(&w->b);
	dma_resv_unlock(&w->a);
	ww_acquire_fini(&w->old_ctx);
	return NULL;
}

static void test_wait_die(void **state)
{
	struct wd w = { .step = 0 };
	struct ww_acquire_ctx young;
	pthread_t t;

	(void)state;
	dma_resv_init(&w.a);
	dma_resv_init(&w.b);
	ww_acquire_init(&w.old_ctx, &reservation_ww_class);
	ww_acquire_init(&young, &reservation_ww_class);		/* a later stamp: younger */
	assert_int_equal(dma_resv_lock(&w.b, &young), 0);
	assert_int_equal(dma_resv_lock(&w.b, &young), -EALREADY);
	assert_int_equal(pthread_create(&t, NULL, older, &w), 0);
	while (__atomic_load_n(&w.step, __ATOMIC_ACQUIRE) < 1)
		usleep(1000);
	assert_ptr_equal(dma_resv_locking_ctx(&w.a), &w.old_ctx);
	usleep(20000);
	/* a is the older's, and the younger holds b: the younger dies */
	assert_int_equal(dma_resv_lock(&w.a, &young), -EDEADLK);
	/* the older still waits for b: it did not die */
	assert_int_equal(__atomic_load_n(&w.step, __ATOMIC_ACQUIRE), 1);
	/* back off: drop b, then wait for a whatever its holder's age */
	dma_resv_unlock(&w.b);
	dma_resv_lock_slow(&w.a, &young);
	pthread_join(t, NULL);
	assert_int_equal(w.old_b_ret, 0);
	assert_int_equal(w.step, 2);
	assert_int_equal(dma_resv_lock(&w.b, &young), 0);
	ww_acquire_done(&young);
	assert_int_equal(dma_resv_lock(&w.b, &young), -EINVAL);	/* after done: refused */
	dma_resv_unlock(&w.a);
	dma_resv_unlock(&w.b);
	ww_acquire_fini(&young);
	dma_resv_fini(&w.a);
	dma_resv_fini(&w.b);
}

/* --- an exporter that records the lock state of each op --------------------------- */

struct rx {
	struct device *dev;
	struct page *page;			/* 4 pages */
	int map, unmap, pin, unpin, attach, detach, begin, end, mmap, vmap, vunmap, release;
	int unlocked_violations;		/* an op of the locked kind ran without the lock */
	int locked_violations;			/* an op of the unlocked kind ran with it */
	bool attach_takes_lock;			/* the attach op takes the reservation itself */
	struct dma_buf *buf;
};

static void want_held(struct rx *x, struct dma_buf *b)
{
	if (!dma_resv_held(b->resv))
		x->unlocked_violations++;
}

static void want_free(struct rx *x, struct dma_buf *b)
{
	if (dma_resv_held(b->resv))
		x->locked_violations++;
}

static int rx_attach(struct dma_buf *b, struct dma_buf_attachment *at)
{
	struct rx *x = b->priv;

	want_free(x, b);
	if (x->attach_takes_lock) {
		dma_resv_lock(b->resv, NULL);
		dma_resv_unlock(b->resv);
	}
	x->attach++;
	return 0;
}

static void rx_detach(struct dma_buf *b, struct dma_buf_attachment *at)
{
	struct rx *x = b->priv;

	want_free(x, b);
	x->detach++;
}

static int rx_pin(struct dma_buf_attachment *at)
{
	struct rx *x = at->dmabuf->priv;

	want_held(x, at->dmabuf);
	x->pin++;
	return 0;
}

static void rx_unpin(struct dma_buf_attachment *at)
{
	struct rx *x = at->dmabuf->priv;

	want_held(x, at->dmabuf);
	x->unpin++;
}

static struct sg_table *rx_map(struct dma_buf_attachment *at, enum dma_data_direction dir)
{
	struct rx *x = at->dmabuf->priv;
	struct sg_table *sgt = calloc(1, sizeof(*sgt));

	want_held(x, at->dmabuf);
	if (!sgt || sg_alloc_table(sgt, 1, GFP_KERNEL)) {
		free(sgt);
		return ERR_PTR(-ENOMEM);
	}
	sg_set_page(sgt->sgl, x->page, 4 * PAGE_SIZE, 0);
	if (dma_map_sgtable(at->dev, sgt, dir, 0)) {
		sg_free_table(sgt);
		free(sgt);
		return ERR_PTR(-ENOMEM);
	}
	x->map++;
	return sgt;
}

static void rx_unmap(struct dma_buf_attachment *at, struct sg_table *sgt,
		     enum dma_data_direction dir)
{
	struct rx *x = at->dmabuf->priv;

	want_held(x, at->dmabuf);
	dma_unmap_sgtable(at->dev, sgt, dir, 0);
	sg_free_table(sgt);
	free(sgt);
	x->unmap++;
}

static void rx_release(struct dma_buf *b)
{
	struct rx *x = b->priv;

	want_free(x, b);
	x->release++;
}

static int rx_begin(struct dma_buf *b, enum dma_data_direction dir)
{
	struct rx *x = b->priv;

	want_free(x, b);
	x->begin++;
	return 0;
}

static int rx_end(struct dma_buf *b, enum dma_data_direction dir)
{
	struct rx *x = b->priv;

	want_free(x, b);
	x->end++;
	return 0;
}

static int rx_mmap(struct dma_buf *b, struct vm_area_struct *vma)
{
	struct rx *x = b->priv;

	want_free(x, b);
	x->mmap++;
	return dma_mmap_pages(x->dev, vma, 4 * PAGE_SIZE, x->page) ? -EINVAL : 0;
}

static int rx_vmap(struct dma_buf *b, struct iosys_map *map)
{
	struct rx *x = b->priv;

	want_held(x, b);
	x->vmap++;
	iosys_map_set_vaddr(map, page_address(x->page));
	return 0;
}

static void rx_vunmap(struct dma_buf *b, struct iosys_map *map)
{
	struct rx *x = b->priv;

	want_held(x, b);
	x->vunmap++;
}

static const struct dma_buf_ops rx_static_ops = {
	.attach = rx_attach, .detach = rx_detach, .map_dma_buf = rx_map,
	.unmap_dma_buf = rx_unmap, .release = rx_release, .begin_cpu_access = rx_begin,
	.end_cpu_access = rx_end, .mmap = rx_mmap, .vmap = rx_vmap, .vunmap = rx_vunmap,
};

static const struct dma_buf_ops rx_dynamic_ops = {
	.attach = rx_attach, .detach = rx_detach, .pin = rx_pin, .unpin = rx_unpin,
	.map_dma_buf = rx_map, .unmap_dma_buf = rx_unmap, .release = rx_release,
	.vmap = rx_vmap, .vunmap = rx_vunmap,
};

static const struct dma_buf_ops rx_cached_ops = {
	.cache_sgt_mapping = true, .map_dma_buf = rx_map, .unmap_dma_buf = rx_unmap,
	.release = rx_release,
};

struct fixture {
	struct dmamap_machine *m;
	struct device *dev;
	struct rx x;
};

static struct dma_buf *rx_export(struct fixture *f, const struct dma_buf_ops *ops,
				 struct dma_resv *resv)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);

	info.ops = ops;
	info.size = 4 * PAGE_SIZE;
	info.priv = &f->x;
	info.resv = resv;
	f->x.buf = dma_buf_export(&info);
	assert_false(IS_ERR(f->x.buf));
	return f->x.buf;
}

static void setup(struct fixture *f)
{
	struct dmamap_device_config cfg = { .name = "importer", .coherent = true };

	memset(f, 0, sizeof(*f));
	f->m = test_machine(NULL);
	f->dev = test_device(f->m, &cfg, NULL);
	f->x.dev = f->dev;
	f->x.page = dmamap_alloc_pages(f->m, GFP_KERNEL | __GFP_ZERO, 2);
	assert_non_null(f->x.page);
}

static void teardown(struct fixture *f)
{
	assert_int_equal(f->x.unlocked_violations, 0);
	assert_int_equal(f->x.locked_violations, 0);
	dmamap_free_pages(f->x.page, 2);
	dmamap_device_destroy(f->dev);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

static u64 errors(struct fixture *f)
{
	return test_stats(f->m).api_errors;
}

/*
 * The convention: map, unmap and vmap want the lock held (else reported and
 * done under it all the same); the _unlocked forms take it; calls that
 * must not hold it refuse when it is held. The exporter's ops always run
 * in the state the kernel promises them.
 */
static void test_convention(void **state)
{
	struct fixture f;
	struct dma_buf *b;
	struct dma_buf_attachment *at;
	struct sg_table *sgt;
	struct iosys_map map;
	struct vm_area_struct *vma;
	u64 e;

	(void)state;
	setup(&f);
	f.x.attach_takes_lock = true;		/* allowed: attach runs unlocked */
	b = rx_export(&f, &rx_static_ops, NULL);
	at = dma_buf_attach(b, f.dev);
	assert_false(IS_ERR(at));

	e = errors(&f);
	sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	assert_false(IS_ERR(sgt));
	dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
	assert_int_equal(errors(&f), e);

	dma_resv_lock(b->resv, NULL);
	sgt = dma_buf_map_attachment(at, DMA_FROM_DEVICE);
	assert_false(IS_ERR(sgt));
	dma_buf_unmap_attachment(at, sgt, DMA_FROM_DEVICE);
	assert_int_equal(dma_buf_vmap(b, &map), 0);
	dma_buf_vunmap(b, &map);
	assert_int_equal(errors(&f), e);
	/* with the lock held: these would deadlock in the kernel */
	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE)), -EDEADLK);
	assert_int_equal(dma_buf_vmap_unlocked(b, &map), -EDEADLK);
	assert_int_equal(PTR_ERR(dma_buf_attach(b, f.dev)), -EDEADLK);
	assert_int_equal(dma_buf_begin_cpu_access(b, DMA_FROM_DEVICE), -EDEADLK);
	assert_int_equal(errors(&f), e + 4);
	dma_resv_unlock(b->resv);

	/* without it, the locked forms are reported and still done under it */
	sgt = dma_buf_map_attachment(at, DMA_TO_DEVICE);
	assert_false(IS_ERR(sgt));
	assert_int_equal(errors(&f), e + 5);
	assert_false(dma_resv_is_locked(b->resv));
	dma_buf_unmap_attachment(at, sgt, DMA_TO_DEVICE);
	assert_int_equal(errors(&f), e + 6);
	assert_int_equal(f.x.map, 3);
	assert_int_equal(f.x.unmap, 3);

	assert_int_equal(dma_buf_begin_cpu_access(b, DMA_FROM_DEVICE), 0);
	assert_int_equal(dma_buf_end_cpu_access(b, DMA_FROM_DEVICE), 0);
	assert_int_equal(dmamap_vma_create(f.m, PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(dma_buf_mmap(b, vma, 1), 0);
	dmamap_vma_destroy(vma);
	assert_int_equal(dma_buf_vmap_unlocked(b, &map), 0);
	assert_ptr_equal(map.vaddr, page_address(f.x.page));
	dma_buf_vunmap_unlocked(b, &map);
	dma_buf_detach(b, at);
	dma_buf_put(b);
	assert_int_equal(f.x.release, 1);
	assert_int_equal(f.x.attach, 1);
	assert_int_equal(f.x.detach, 1);
	assert_int_equal(errors(&f), e + 6);
	teardown(&f);
}

/*
 * A static importer of a dynamic exporter: the mapping is made and pinned
 * at attach, handed out by every map, kept by unmap, undone by detach.
 */
static void test_static_importer_dynamic_exporter(void **state)
{
	struct fixture f;
	struct dma_buf *b;
	struct dma_buf_attachment *at;
	struct sg_table *s1, *s2;

	(void)state;
	setup(&f);
	b = rx_export(&f, &rx_dynamic_ops, NULL);
	assert_true(dma_buf_is_dynamic(b));
	at = dma_buf_attach(b, f.dev);
	assert_false(IS_ERR(at));
	assert_false(dma_buf_attachment_is_dynamic(at));
	assert_int_equal(f.x.pin, 1);
	assert_int_equal(f.x.map, 1);
	assert_non_null(at->sgt);
	assert_int_equal(at->dir, DMA_BIDIRECTIONAL);
	s1 = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	s2 = dma_buf_map_attachment_unlocked(at, DMA_FROM_DEVICE);
	assert_ptr_equal(s1, at->sgt);
	assert_ptr_equal(s2, at->sgt);
	assert_int_equal(f.x.map, 1);
	dma_buf_unmap_attachment_unlocked(at, s1, DMA_TO_DEVICE);
	assert_int_equal(f.x.unmap, 0);
	dma_buf_detach(b, at);
	assert_int_equal(f.x.unmap, 1);
	assert_int_equal(f.x.unpin, 1);
	dma_buf_put(b);
	assert_int_equal(errors(&f), 0);
	teardown(&f);
}

/* A dynamic importer: pinned while mapped, told of moves under the lock. */
static int moves;

static void on_move(struct dma_buf_attachment *at)
{
	struct rx *x = at->dmabuf->priv;

	want_held(x, at->dmabuf);
	moves++;
}

static const struct dma_buf_attach_ops importer_ops = { .allow_peer2peer = true,
							 .move_notify = on_move };

static void test_dynamic_importer(void **state)
{
	static const struct dma_buf_attach_ops no_notify = { 0 };
	struct fixture f;
	struct dma_buf *b, *s;
	struct dma_buf_attachment *at, *sat;
	struct sg_table *sgt;
	int x_map;

	(void)state;
	setup(&f);
	moves = 0;
	b = rx_export(&f, &rx_dynamic_ops, NULL);
	assert_true(IS_ERR(dma_buf_dynamic_attach(b, f.dev, &no_notify, NULL)));
	at = dma_buf_dynamic_attach(b, f.dev, &importer_ops, &f);
	assert_false(IS_ERR(at));
	assert_true(at->peer2peer);
	assert_ptr_equal(at->importer_priv, &f);
	assert_int_equal(f.x.map, 0);		/* both dynamic: nothing kept */
	dma_resv_lock(b->resv, NULL);
	sgt = dma_buf_map_attachment(at, DMA_BIDIRECTIONAL);
	assert_false(IS_ERR(sgt));
	assert_int_equal(f.x.pin, 1);
	dma_buf_move_notify(b);
	assert_int_equal(moves, 1);
	dma_buf_unmap_attachment(at, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(f.x.unpin, 1);
	assert_int_equal(dma_buf_pin(at), 0);
	dma_buf_unpin(at);
	dma_resv_unlock(b->resv);
	assert_int_equal(f.x.pin, 2);
	dma_buf_detach(b, at);
	dma_buf_put(b);

	/* a dynamic importer of a static exporter gets a kept mapping at attach */
	s = rx_export(&f, &rx_static_ops, NULL);
	x_map = f.x.map;
	sat = dma_buf_dynamic_attach(s, f.dev, &importer_ops, NULL);
	assert_false(IS_ERR(sat));
	assert_int_equal(f.x.map, x_map + 1);
	assert_ptr_equal(dma_buf_map_attachment_unlocked(sat, DMA_TO_DEVICE), sat->sgt);
	dma_buf_detach(s, sat);
	dma_buf_put(s);
	assert_int_equal(errors(&f), 1);	/* the importer ops without move_notify */
	teardown(&f);
}

/* cache_sgt_mapping: the first map is kept; another direction is -EBUSY. */
static void test_cached_mapping(void **state)
{
	struct fixture f;
	struct dma_buf *b;
	struct dma_buf_attachment *at;
	struct sg_table *s1, *s2;

	(void)state;
	setup(&f);
	b = rx_export(&f, &rx_cached_ops, NULL);
	at = dma_buf_attach(b, f.dev);
	s1 = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	s2 = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	assert_false(IS_ERR(s1));
	assert_ptr_equal(s1, s2);
	assert_int_equal(f.x.map, 1);
	assert_int_equal(PTR_ERR(dma_buf_map_attachment_unlocked(at, DMA_FROM_DEVICE)), -EBUSY);
	dma_buf_unmap_attachment_unlocked(at, s1, DMA_TO_DEVICE);
	assert_int_equal(f.x.unmap, 0);
	dma_buf_detach(b, at);
	assert_int_equal(f.x.unmap, 1);
	dma_buf_put(b);
	teardown(&f);
}

/* Export checks, a reservation shared by two buffers, the owner recorded. */
static void test_export_info(void **state)
{
	static const struct dma_buf_ops bad1 = { .cache_sgt_mapping = true, .pin = rx_pin,
						 .unpin = rx_unpin, .map_dma_buf = rx_map,
						 .unmap_dma_buf = rx_unmap, .release = rx_release };
	static const struct dma_buf_ops bad2 = { .pin = rx_pin, .map_dma_buf = rx_map,
						 .unmap_dma_buf = rx_unmap, .release = rx_release };
	struct fixture f;
	struct dma_resv shared;
	struct dma_buf *a, *b;
	struct module *owner = (struct module *)&shared;	/* any address stands for one */
	DEFINE_DMA_BUF_EXPORT_INFO(info);

	(void)state;
	setup(&f);
	info.size = PAGE_SIZE;
	info.priv = &f.x;
	info.ops = &bad1;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);
	info.ops = &bad2;
	assert_int_equal(PTR_ERR(dma_buf_export(&info)), -EINVAL);

	dma_resv_init(&shared);
	info.ops = &rx_static_ops;
	info.resv = &shared;
	info.owner = owner;
	a = dma_buf_export(&info);
	b = dma_buf_export(&info);
	assert_ptr_equal(a->resv, &shared);
	assert_ptr_equal(b->resv, &shared);
	assert_ptr_equal(a->owner, owner);
	dma_resv_lock(&shared, NULL);
	assert_true(dma_resv_held(b->resv));
	dma_resv_unlock(&shared);
	dma_buf_put(a);
	dma_buf_put(b);
	dma_resv_fini(&shared);
	info.resv = NULL;
	a = dma_buf_export(&info);
	assert_non_null(a->resv);
	assert_ptr_not_equal(a->resv, &shared);
	dma_buf_put(a);
	teardown(&f);
}

/* --- iosys_map ---------------------------------------------------------------------- */

struct hdr {
	u32 magic;
	u16 len;
};

static void test_iosys_map(void **state)
{
	u8 buf[64] = { 0 }, out[8];
	struct iosys_map m = IOSYS_MAP_INIT_VADDR(buf), io, off;

	(void)state;
	assert_ptr_equal(m.vaddr, buf);
	assert_false(m.is_iomem);
	assert_true(iosys_map_is_set(&m));
	iosys_map_memcpy_to(&m, 4, "abcd", 4);
	assert_memory_equal(buf + 4, "abcd", 4);
	iosys_map_memcpy_from(out, &m, 5, 3);
	assert_memory_equal(out, "bcd", 3);
	iosys_map_memset(&m, 10, 0x7e, 6);
	assert_true(test_all_bytes(buf + 10, 6, 0x7e));
	iosys_map_wr(&m, 16, u32, 0xdeadbeef);
	assert_int_equal(iosys_map_rd(&m, 16, u32), 0xdeadbeef);
	iosys_map_wr_field(&m, 32, struct hdr, len, 513);
	assert_int_equal(iosys_map_rd_field(&m, 32, struct hdr, len), 513);
	off = IOSYS_MAP_INIT_OFFSET(&m, 32);
	assert_ptr_equal(off.vaddr, buf + 32);
	iosys_map_incr(&off, 4);
	assert_int_equal(iosys_map_rd(&off, 0, u16), 513);
	iosys_map_set_vaddr_iomem(&io, buf);
	assert_true(io.is_iomem);
	assert_false(iosys_map_is_equal(&io, &m));	/* same address, another kind */
	iosys_map_set_vaddr(&io, buf);
	assert_true(iosys_map_is_equal(&io, &m));
	iosys_map_clear(&io);
	assert_true(iosys_map_is_null(&io));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resv_basics),
		cmocka_unit_test(test_resv_other_thread),
		cmocka_unit_test(test_wait_die),
		cmocka_unit_test(test_convention),
		cmocka_unit_test(test_static_importer_dynamic_exporter),
		cmocka_unit_test(test_dynamic_importer),
		cmocka_unit_test(test_cached_mapping),
		cmocka_unit_test(test_export_info),
		cmocka_unit_test(test_iosys_map),
	};

	return cmocka_run_group_tests_name("dma-resv", tests, NULL, NULL);
}
