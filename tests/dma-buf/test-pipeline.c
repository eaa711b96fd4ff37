// SPDX-License-Identifier: MIT
/*
 * The seed's scenario with the ready-made exporter: a camera behind its own
 * IOMMU allocates frames with DMA_ATTR_NO_KERNEL_MAPPING, an encoder behind
 * another IOMMU and a display controller without one import them, and user
 * space looks at them through dma_buf_mmap(). Each importer reaches the
 * frame only through the addresses its own map_dma_buf gave it: the
 * exporter's IOVAs mean nothing (and fault) behind another IOMMU.
 */
#include "test-util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <dmamap/dma-buf.h>

#define FRAME	(256 * 1024)
#define HIGH	0x880000000ULL

struct rig {
	struct dmamap_machine *m;
	struct device *camera, *encoder, *display;
	struct iommu_domain *cam_dom, *enc_dom;
	struct page **held;
	unsigned long nr_held;
};

/* Every other page of the high bank taken: buffers gathered by pages scatter. */
static void fragment(struct rig *r)
{
	unsigned long n = (16UL << 20) >> PAGE_SHIFT;
	struct page **all = calloc(n, sizeof(*all));

	r->held = calloc(n, sizeof(*r->held));
	assert_non_null(all);
	assert_non_null(r->held);
	/* the high bank is served first; stop where it is used up */
	for (unsigned long i = 0; i < n; i++) {
		all[i] = dmamap_alloc_pages(r->m, GFP_KERNEL, 0);
		assert_non_null(all[i]);
		if (page_to_phys(all[i]) < HIGH) {
			dmamap_free_pages(all[i], 0);
			n = i;
			break;
		}
	}
	assert_true(n > 2048);
	for (unsigned long i = 0; i < n; i++) {
		if (i % 2)
			r->held[r->nr_held++] = all[i];
		else
			dmamap_free_pages(all[i], 0);
	}
	free(all);
}

static int rig_setup(void **state)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, 64ULL << 20 },
		{ HIGH, 16ULL << 20 },
	};
	const struct dmamap_machine_config mcfg = {
		.banks = banks, .nr_banks = 2, .cache = DMAMAP_CACHE_NONCOHERENT,
	};
	const struct dmamap_device_config cam = {
		.name = "camera", .max_segment_size = 0xfffff000u,
	};
	const struct dmamap_device_config enc = {
		.name = "encoder", .coherent = true, .max_segment_size = 0xfffff000u,
	};
	const struct dmamap_device_config disp = {
		.name = "display", .dma_offset = 0x80000000ULL, .max_segment_size = 0xffffffffu,
	};
	const struct dmamap_iommu_config io = { .type = IOMMU_DOMAIN_DMA };
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->m = test_machine(&mcfg);
	r->camera = test_device(r->m, &cam, NULL);
	r->encoder = test_device(r->m, &enc, NULL);
	r->display = test_device(r->m, &disp, NULL);
	assert_int_equal(dmamap_iommu_domain_create(r->m, &io, &r->cam_dom), 0);
	assert_int_equal(dmamap_iommu_domain_create(r->m, &io, &r->enc_dom), 0);
	assert_int_equal(iommu_attach_device(r->cam_dom, r->camera), 0);
	assert_int_equal(iommu_attach_device(r->enc_dom, r->encoder), 0);
	fragment(r);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;
	struct dmamap_stats st;

	for (unsigned long i = 0; i < r->nr_held; i++)
		dmamap_free_pages(r->held[i], 0);
	free(r->held);
	dmamap_machine_stats(r->m, &st);
	assert_int_equal(st.vmalloc_bytes, 0);
	assert_int_equal(st.cookies, 0);
	assert_int_equal(st.iova_pages_used, 0);
	iommu_domain_free(r->cam_dom);
	iommu_domain_free(r->enc_dom);
	dmamap_device_destroy(r->camera);
	dmamap_device_destroy(r->encoder);
	dmamap_device_destroy(r->display);
	test_assert_no_leaks(r->m);
	dmamap_machine_destroy(r->m);
	free(r);
	return 0;
}

/* One frame through camera, encoder, display and user space. */
static void one_frame(struct rig *r, u32 seed, unsigned long attrs)
{
	struct dma_buf *buf = dmamap_dma_buf_alloc(r->camera, FRAME, attrs);
	struct dma_buf_attachment *cat, *eat, *dat;
	struct sg_table *cs, *es, *ds;
	struct vm_area_struct *vma;
	struct dmamap_stats before, after;
	u8 *frame = malloc(FRAME), *seen = malloc(FRAME);

	assert_false(IS_ERR(buf));
	assert_non_null(frame);
	assert_non_null(seen);
	test_fill_pattern(frame, FRAME, seed);
	dmamap_machine_stats(r->m, &before);

	cat = dma_buf_attach(buf, r->camera);
	eat = dma_buf_attach(buf, r->encoder);
	dat = dma_buf_attach(buf, r->display);
	assert_false(IS_ERR(cat) || IS_ERR(eat) || IS_ERR(dat));

	/* the camera: one IOVA range however scattered the pages are */
	cs = dma_buf_map_attachment_unlocked(cat, DMA_FROM_DEVICE);
	assert_false(IS_ERR(cs));
	assert_int_equal(cs->nents, 1);
	if (attrs & DMA_ATTR_ALLOC_SINGLE_PAGES)
		assert_true(cs->orig_nents > 1);	/* scattered in physical memory */
	assert_int_equal(dmamap_bus_write_sgtable(r->camera, cs, frame, FRAME, NULL), 0);
	dma_buf_unmap_attachment_unlocked(cat, cs, DMA_FROM_DEVICE);

	/* the encoder: its own IOVAs, the same bytes */
	es = dma_buf_map_attachment_unlocked(eat, DMA_TO_DEVICE);
	assert_false(IS_ERR(es));
	assert_int_equal(es->nents, 1);
	memset(seen, 0, FRAME);
	assert_int_equal(dmamap_bus_read_sgtable(r->encoder, es, seen, FRAME, NULL), 0);
	assert_int_equal(test_check_pattern(seen, FRAME, seed), -1);
	dma_buf_unmap_attachment_unlocked(eat, es, DMA_TO_DEVICE);

	/* the display: no IOMMU, so one segment only if the frame is contiguous */
	ds = dma_buf_map_attachment_unlocked(dat, DMA_TO_DEVICE);
	assert_false(IS_ERR(ds));
	if (attrs & DMA_ATTR_FORCE_CONTIGUOUS) {
		assert_int_equal(ds->nents, 1);
		/* its address is its own: physical address less its DMA offset */
		assert_int_equal(sg_dma_address(ds->sgl),
				 page_to_phys(sg_page(ds->sgl)) - 0x80000000ULL);
	} else {
		assert_true(ds->nents > 1);
	}
	memset(seen, 0, FRAME);
	assert_int_equal(dmamap_bus_read_sgtable(r->display, ds, seen, FRAME, NULL), 0);
	assert_int_equal(test_check_pattern(seen, FRAME, seed), -1);
	dma_buf_unmap_attachment_unlocked(dat, ds, DMA_TO_DEVICE);

	/* user space, between begin and end of CPU access */
	assert_int_equal(dmamap_vma_create(r->m, FRAME, 0, &vma), 0);
	assert_int_equal(dma_buf_mmap(buf, vma, 0), 0);
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	assert_int_equal(test_check_pattern((const void *)vma->vm_start, FRAME, seed), -1);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
	dmamap_vma_destroy(vma);

	/* no frame ever took kernel VA space */
	dmamap_machine_stats(r->m, &after);
	assert_int_equal(after.vmalloc_bytes, before.vmalloc_bytes);

	dma_buf_detach(buf, dat);
	dma_buf_detach(buf, eat);
	dma_buf_detach(buf, cat);
	dma_buf_put(buf);
	free(frame);
	free(seen);
}

static void test_scenario_scattered(void **state)
{
	for (u32 n = 0; n < 3; n++)
		one_frame(*state, 100 + n, DMA_ATTR_ALLOC_SINGLE_PAGES);
}

static void test_scenario_contiguous(void **state)
{
	one_frame(*state, 200, DMA_ATTR_FORCE_CONTIGUOUS);
}

/*
 * The exporter never hands its own DMA addresses to an importer: the
 * encoder's addresses are from its own domain, and the camera's addresses,
 * tried on the encoder, fault there (nothing is mapped at them).
 */
static void test_exporter_addresses_fault_elsewhere(void **state)
{
	struct rig *r = *state;
	struct dma_buf *spacer = dmamap_dma_buf_alloc(r->camera, FRAME, 0);
	struct dma_buf *buf = dmamap_dma_buf_alloc(r->camera, FRAME, DMA_ATTR_ALLOC_SINGLE_PAGES);
	struct dma_buf_attachment *sat, *cat, *eat;
	struct sg_table *ss, *cs, *es;
	struct dmamap_iommu_fault log[4];
	phys_addr_t cam_phys;
	struct dmamap_fault f;
	dma_addr_t cam_addr, enc_addr;
	u8 *frame = malloc(FRAME), *seen = malloc(FRAME);
	u8 b[64];
	int n;

	assert_false(IS_ERR(spacer) || IS_ERR(buf));
	/*
	 * The camera's domain already holds a mapping, so the two IOVA allocators
	 * (both top-down) part ways: the camera's address for the frame is not
	 * mapped at all behind the encoder's IOMMU.
	 */
	sat = dma_buf_attach(spacer, r->camera);
	ss = dma_buf_map_attachment_unlocked(sat, DMA_BIDIRECTIONAL);
	assert_false(IS_ERR(ss));

	cat = dma_buf_attach(buf, r->camera);
	eat = dma_buf_attach(buf, r->encoder);
	cs = dma_buf_map_attachment_unlocked(cat, DMA_FROM_DEVICE);
	assert_false(IS_ERR(cs));
	cam_addr = sg_dma_address(cs->sgl);
	cam_phys = iommu_iova_to_phys(r->cam_dom, cam_addr);
	assert_int_not_equal(cam_phys, 0);
	test_fill_pattern(frame, FRAME, 77);
	assert_int_equal(dmamap_bus_write_sgtable(r->camera, cs, frame, FRAME, NULL), 0);
	/* the camera is done: the frame goes back to the CPU before anyone reads it */
	dma_buf_unmap_attachment_unlocked(cat, cs, DMA_FROM_DEVICE);

	es = dma_buf_map_attachment_unlocked(eat, DMA_TO_DEVICE);
	assert_false(IS_ERR(es));
	enc_addr = sg_dma_address(es->sgl);
	assert_true(cam_addr != enc_addr);
	assert_int_equal(iommu_iova_to_phys(r->enc_dom, cam_addr), 0);
	/* both addresses lead to the same first page */
	assert_int_equal(iommu_iova_to_phys(r->enc_dom, enc_addr), cam_phys);
	assert_int_equal(dmamap_bus_read_sgtable(r->encoder, es, seen, FRAME, NULL), 0);
	assert_int_equal(test_check_pattern(seen, FRAME, 77), -1);

	/* the camera's address on the encoder: a translation fault, logged */
	assert_int_equal(dmamap_bus_read(r->encoder, cam_addr, b, sizeof(b), &f), -EFAULT);
	assert_int_equal(f.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(f.done, 0);
	n = dmamap_iommu_fault_log(r->enc_dom, log, 4);
	assert_true(n >= 1);
	assert_int_equal(log[0].iova, cam_addr);
	assert_ptr_equal(log[0].dev, r->encoder);
	assert_int_equal(log[0].reason, DMAMAP_FAULT_TRANSLATION);
	/*
	 * The encoder's address means something else on the camera: there it is
	 * the spacer's, another buffer. Addresses never carry over.
	 */
	assert_int_not_equal(iommu_iova_to_phys(r->cam_dom, enc_addr), cam_phys);
	assert_int_equal(iommu_iova_to_phys(r->cam_dom, enc_addr),
			 iommu_iova_to_phys(r->cam_dom, sg_dma_address(ss->sgl)));

	dma_buf_unmap_attachment_unlocked(eat, es, DMA_TO_DEVICE);
	dma_buf_unmap_attachment_unlocked(sat, ss, DMA_BIDIRECTIONAL);
	dma_buf_detach(buf, eat);
	dma_buf_detach(buf, cat);
	dma_buf_detach(spacer, sat);
	dma_buf_put(buf);
	dma_buf_put(spacer);
	free(frame);
	free(seen);
}

/*
 * Importers on other threads each hold a reference and an attachment; the
 * exporter's buffer is freed exactly once, after the last of them lets go,
 * whatever the order (release frees the backing store: the cookie count
 * falls to zero only then).
 */
struct importer {
	struct dma_buf *buf;
	struct device *dev;
	struct dma_buf_attachment *at;
	pthread_barrier_t *go;
	int errors;
};

static void *importer_thread(void *arg)
{
	struct importer *im = arg;

	pthread_barrier_wait(im->go);
	for (int i = 0; i < 50; i++) {
		struct sg_table *sgt = dma_buf_map_attachment_unlocked(im->at, DMA_BIDIRECTIONAL);
		u8 b[16];

		if (IS_ERR(sgt) || dmamap_bus_read(im->dev, sg_dma_address(sgt->sgl), b, 16, NULL))
			im->errors++;
		if (!IS_ERR(sgt))
			dma_buf_unmap_attachment_unlocked(im->at, sgt, DMA_BIDIRECTIONAL);
	}
	dma_buf_detach(im->buf, im->at);
	dma_buf_put(im->buf);
	return NULL;
}

static void test_release_after_last_put_from_threads(void **state)
{
	struct rig *r = *state;
	struct device *devs[3] = { r->camera, r->encoder, r->display };
	struct dma_buf *buf = dmamap_dma_buf_alloc(r->camera, FRAME, 0);
	struct importer im[3];
	pthread_t th[3];
	pthread_barrier_t go;
	struct dmamap_stats st;

	assert_false(IS_ERR(buf));
	assert_int_equal(pthread_barrier_init(&go, NULL, 4), 0);
	for (int i = 0; i < 3; i++) {
		get_dma_buf(buf);
		im[i] = (struct importer){ .buf = buf, .dev = devs[i], .go = &go };
		im[i].at = dma_buf_attach(buf, devs[i]);
		assert_false(IS_ERR(im[i].at));
		assert_int_equal(pthread_create(&th[i], NULL, importer_thread, &im[i]), 0);
	}
	/* the exporter lets go first: the importers keep it alive */
	dma_buf_put(buf);
	dmamap_machine_stats(r->m, &st);
	assert_int_equal(st.cookies, 1);
	pthread_barrier_wait(&go);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(im[i].errors, 0);
	}
	pthread_barrier_destroy(&go);
	dmamap_machine_stats(r->m, &st);
	assert_int_equal(st.cookies, 0);
	assert_int_equal(st.iova_pages_used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scenario_scattered, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_scenario_contiguous, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_exporter_addresses_fault_elsewhere, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_release_after_last_put_from_threads, rig_setup,
						rig_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
