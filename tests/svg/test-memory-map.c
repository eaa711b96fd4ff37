// SPDX-License-Identifier: MIT
/*
 * dmamap_svg_memory_map(): one lane per address space (physical memory, each
 * IOMMU domain, each device without one, the swiotlb), one shape per buffer
 * per lane in the same colour in every lane, a label per buffer per lane,
 * the axis broken between banks (the hole said, never drawn to scale) and a
 * 1 MiB buffer in an 8 GiB bank drawn as wide as it would be in a small
 * one; bad arguments and a failed write are errors that write nothing more.
 */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape {
	char lane[64];
	unsigned int buf;
	char fill[32];
	double width;		/* the widths of its rectangles, summed */
	unsigned int rects;
};

struct parsed {
	char *svg;
	struct shape s[64];
	int n;
	char lanes[16][64];
	int nr_lanes;
};

static char *draw(struct dmamap_machine *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(dmamap_svg_memory_map(m, f, NULL), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The lanes and, in each, its buffers' shapes: what a viewer would see. */
static void parse(struct parsed *p, char *svg)
{
	char *lane = NULL, *next;

	memset(p, 0, sizeof(*p));
	p->svg = svg;
	for (char *at = svg; (at = strstr(at, "<g class=\"lane\" data-lane=\"")); at = next) {
		char *end = strstr(at, "</g>\n<g class=\"lane\"");

		next = at + 1;
		lane = at + strlen("<g class=\"lane\" data-lane=\"");
		assert_true(p->nr_lanes < 16);
		sscanf(lane, "%63[^\"]", p->lanes[p->nr_lanes++]);
		for (char *q = lane; (q = strstr(q, "<path class=\"buffer\" data-buffer=\"")) &&
				     (!end || q < end); q++) {
			struct shape *s = &p->s[p->n++];
			const char *d;
			double x, y, w, h, w2;
			int used;

			assert_true(p->n < 64);
			strcpy(s->lane, p->lanes[p->nr_lanes - 1]);
			assert_int_equal(sscanf(q, "<path class=\"buffer\" data-buffer=\"%u\" fill=\"%31[^\"]\"",
						&s->buf, s->fill), 2);
			d = strstr(q, " d=\"") + 4;
			while (sscanf(d, "M%lf %lfh%lfv%lfh-%lfz%n", &x, &y, &w, &h, &w2, &used) == 5) {
				assert_true(w > 0);
				assert_true(w == w2);
				s->width += w;
				s->rects++;
				d += used;
			}
			assert_true(*d == '"');
		}
	}
}

static const struct shape *shape_in(const struct parsed *p, const char *lane, unsigned int buf)
{
	const struct shape *found = NULL;

	for (int i = 0; i < p->n; i++) {
		if (!strcmp(p->s[i].lane, lane) && p->s[i].buf == buf) {
			/* one shape per buffer per lane */
			assert_null(found);
			found = &p->s[i];
		}
	}
	return found;
}

/* Is there a label for @buf in lane @lane? */
static bool labelled(const struct parsed *p, const char *lane, unsigned int buf)
{
	char head[128], want[64];
	const char *start, *end;

	snprintf(head, sizeof(head), "<g class=\"lane\" data-lane=\"%s\"", lane);
	start = strstr(p->svg, head);
	assert_non_null(start);
	end = strstr(start, "<g class=\"lane\" data-lane=\"") == start ?
		strstr(start + 1, "<g class=\"lane\" data-lane=\"") : NULL;
	snprintf(want, sizeof(want), "<text class=\"label\" data-buffer=\"%u\"", buf);
	start = strstr(start, want);
	return start && (!end || start < end);
}

static struct device *make(struct dmamap_machine *m, const char *name, u64 offset)
{
	struct dmamap_device_config cfg = { .name = name, .dma_mask = DMA_BIT_MASK(64),
					    .dma_offset = offset };
	struct device *dev = NULL;

	dev = test_device(m, &cfg, NULL);
	return dev;
}

/* A 1 MiB buffer in an 8 GiB bank, 31 GiB above the first: visible, linked, labelled. */
static void test_small_buffer_in_a_large_bank(void **state)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, 256ULL << 20 },
		{ 0x800000000ULL, 8ULL << 30 },
	};
	const struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = 2 };
	const struct dmamap_iommu_config io = { .type = IOMMU_DOMAIN_DMA };
	struct dmamap_machine *m = test_machine(&cfg);
	struct device *cam = make(m, "cam", 0), *gpu = make(m, "gpu", 0);
	const struct shape *phys, *iova, *direct;
	struct iommu_domain *dom;
	struct sg_table sgt;
	struct parsed p;
	dma_addr_t h;
	void *buf;
	char *svg;

	(void)state;
	assert_int_equal(dmamap_iommu_domain_create(m, &io, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, gpu), 0);
	/* the camera (no IOMMU) allocates; the GPU maps the pages through its IOMMU */
	buf = dma_alloc_coherent(cam, SZ_1M, &h, GFP_KERNEL);
	assert_non_null(buf);
	assert_true(h >= 0x800000000ULL);
	assert_int_equal(dma_get_sgtable(cam, &sgt, buf, h, SZ_1M), 0);
	assert_int_equal(dma_map_sgtable(gpu, &sgt, DMA_TO_DEVICE, 0), 0);

	svg = draw(m);
	parse(&p, svg);
	assert_int_equal(p.nr_lanes, 4);
	assert_string_equal(p.lanes[0], "physical memory");
	assert_string_equal(p.lanes[1], "cam (no IOMMU)");
	assert_string_equal(p.lanes[2], "gpu (IOMMU)");
	assert_string_equal(p.lanes[3], "swiotlb");
	phys = shape_in(&p, "physical memory", 0);
	iova = shape_in(&p, "gpu (IOMMU)", 0);
	direct = shape_in(&p, "cam (no IOMMU)", 0);
	assert_non_null(phys);
	assert_non_null(iova);
	assert_non_null(direct);
	/* a whole row of 256 page cells: as wide in 8 GiB as anywhere */
	assert_true(phys->width >= 256 * 3 - 0.01);
	assert_true(iova->width >= 256 * 3 - 0.01);
	/* linked: one colour in every lane, and a label in each */
	assert_string_equal(phys->fill, iova->fill);
	assert_string_equal(phys->fill, direct->fill);
	assert_true(labelled(&p, "physical memory", 0));
	assert_true(labelled(&p, "gpu (IOMMU)", 0));
	assert_true(labelled(&p, "cam (no IOMMU)", 0));
	assert_false(labelled(&p, "swiotlb", 0));
	/* the axis breaks between the banks, where the hole is */
	assert_non_null(strstr(svg, "<g class=\"bank-break\" data-from=\"0x90000000\" "
				    "data-to=\"0x800000000\">"));
	assert_int_equal(strstr(strstr(svg, "class=\"bank-break\"") + 1, "class=\"bank-break\""),
			 NULL);
	assert_true(strstr(svg, "data-base=\"0x80000000\"") < strstr(svg, "class=\"bank-break\""));
	assert_true(strstr(svg, "class=\"bank-break\"") < strstr(svg, "data-base=\"0x800000000\""));
	assert_non_null(strstr(svg, "not RAM: 0x90000000-0x7ffffffff (29.75 GiB)"));
	/* the legend names the allocation */
	assert_non_null(strstr(svg, "cam: dma_alloc of 1 MiB at DMA"));
	free(svg);

	dma_unmap_sgtable(gpu, &sgt, DMA_TO_DEVICE, 0);
	sg_free_table(&sgt);
	dma_free_coherent(cam, SZ_1M, buf, h);
	/* nothing live: no shape at all */
	svg = draw(m);
	parse(&p, svg);
	assert_int_equal(p.n, 0);
	assert_non_null(strstr(svg, "no live buffer"));
	free(svg);
	iommu_detach_device(dom, gpu);
	iommu_domain_free(dom);
	dmamap_device_destroy(cam);
	dmamap_device_destroy(gpu);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* Pages scattered one by one are drawn one by one, and each buffer keeps one shape. */
static void test_scattered_pages(void **state)
{
	const struct dmamap_iommu_config io = { .type = IOMMU_DOMAIN_DMA };
	struct dmamap_machine *m = test_machine(NULL);
	struct device *dev = make(m, "dev", 0);
	struct iommu_domain *dom;
	struct page *pages[64];
	struct sg_table sgt;
	const struct shape *s;
	struct parsed p;
	char *svg;

	(void)state;
	assert_int_equal(dmamap_iommu_domain_create(m, &io, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	for (int i = 0; i < 64; i++) {
		pages[i] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		assert_non_null(pages[i]);
	}
	/* every other page, 32 in all, mapped as one buffer */
	assert_int_equal(sg_alloc_table(&sgt, 32, GFP_KERNEL), 0);
	for (int i = 0; i < 32; i++)
		sg_set_page(&sgt.sgl[i], pages[2 * i], PAGE_SIZE, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	svg = draw(m);
	parse(&p, svg);
	s = shape_in(&p, "physical memory", 0);
	assert_non_null(s);
	assert_int_equal(s->rects, 32);
	assert_true(s->width >= 32 * 3 - 0.01);
	/* contiguous in IOVA space: one run */
	s = shape_in(&p, "dev (IOMMU)", 0);
	assert_non_null(s);
	assert_int_equal(s->rects, 1);
	assert_non_null(strstr(svg, "mapped at IOVA"));
	free(svg);
	dma_unmap_sgtable(dev, &sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&sgt);
	for (int i = 0; i < 64; i++)
		dmamap_free_pages(pages[i], 0);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* A page out of a device's reach, bounced: the slot in the page's colour. */
static void test_bounce_slot(void **state)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, 64ULL << 20 },
		{ 0x880000000ULL, 64ULL << 20 },
	};
	const struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = 2 };
	struct dmamap_machine *m = test_machine(&cfg);
	struct dmamap_device_config dc = { .name = "disp", .dma_mask = DMA_BIT_MASK(32) };
	struct device *dev;
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	const struct shape *slot, *phys;
	struct parsed p;
	dma_addr_t a;
	char *svg;

	(void)state;
	dev = test_device(m, &dc, NULL);
	assert_true(page_to_phys(page) >= 0x880000000ULL);
	a = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, a));
	svg = draw(m);
	parse(&p, svg);
	slot = shape_in(&p, "swiotlb", 0);
	phys = shape_in(&p, "physical memory", 0);
	assert_non_null(slot);
	assert_non_null(phys);
	assert_string_equal(slot->fill, phys->fill);
	assert_true(labelled(&p, "swiotlb", 0));
	/* two 2 KiB slots of 3 pixels each */
	assert_true(slot->width >= 6 - 0.01);
	free(svg);
	dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	dmamap_free_pages(page, 0);
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_errors(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	FILE *ro = fopen("/dev/null", "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(dmamap_svg_memory_map(NULL, f, NULL), -EINVAL);
	assert_int_equal(dmamap_svg_memory_map(m, NULL, NULL), -EINVAL);
	fflush(f);
	assert_int_equal(len, 0);
	/* a stream that cannot be written */
	assert_non_null(ro);
	assert_int_equal(dmamap_svg_memory_map(m, ro, NULL), -EIO);
	fclose(ro);
	/* the title, escaped */
	assert_int_equal(dmamap_svg_memory_map(m, f, &(struct dmamap_svg_options){ "a < b & c" }),
			 0);
	fflush(f);
	assert_non_null(strstr(buf, "<title>a &lt; b &amp; c</title>"));
	fclose(f);
	free(buf);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_buffer_in_a_large_bank),
		cmocka_unit_test(test_scattered_pages),
		cmocka_unit_test(test_bounce_slot),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("svg", tests, NULL, NULL);
}
