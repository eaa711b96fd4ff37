// SPDX-License-Identifier: MIT
/*
 * User VMAs as drivers see them: vm_flags and their modifiers, the page
 * protection vm_get_page_prot() gives and the host mapping honours
 * (read-only, copy-on-write for a private writable VMA), the flags the mmap
 * paths mark, and vm_ops->close() when the VMA goes.
 */
#include "test-util.h"

#include <string.h>

static void test_flags_and_prot(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct vm_area_struct *vma;

	(void)state;
	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(vma->vm_flags, VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD |
			 VM_MAYWRITE | VM_MAYSHARE);
	assert_int_equal(vma->vm_page_prot, DMAMAP_PGPROT_READ | DMAMAP_PGPROT_WRITE);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	assert_true(vma->vm_flags & VM_DONTDUMP);
	vm_flags_clear(vma, VM_DONTDUMP);
	assert_false(vma->vm_flags & VM_DONTDUMP);
	vm_flags_mod(vma, VM_IO, VM_WRITE | VM_MAYWRITE);
	assert_int_equal(vma->vm_flags, VM_READ | VM_SHARED | VM_MAYREAD | VM_MAYSHARE | VM_IO |
			 VM_DONTEXPAND);
	vm_flags_reset(vma, VM_READ);
	assert_int_equal(vma->vm_flags, VM_READ);
	dmamap_vma_destroy(vma);

	/* the kernel's protection_map: private writable is read-only (copy on write) */
	assert_int_equal(vm_get_page_prot(VM_NONE), DMAMAP_PGPROT_NORMAL);
	assert_int_equal(vm_get_page_prot(VM_READ), DMAMAP_PGPROT_READ);
	assert_int_equal(vm_get_page_prot(VM_READ | VM_WRITE), DMAMAP_PGPROT_READ);
	assert_int_equal(vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED),
			 DMAMAP_PGPROT_READ | DMAMAP_PGPROT_WRITE);
	assert_int_equal(vm_get_page_prot(VM_WRITE | VM_SHARED),
			 DMAMAP_PGPROT_READ | DMAMAP_PGPROT_WRITE);
	assert_int_equal(vm_get_page_prot(VM_EXEC), DMAMAP_PGPROT_READ | DMAMAP_PGPROT_EXEC);
	assert_int_equal(pgprot_writecombine(vm_get_page_prot(VM_READ)) & ~DMAMAP_PGPROT_MASK,
			 DMAMAP_PGPROT_READ);
	dmamap_machine_destroy(m);
}

/* What the VMA's protection says is what the mapping allows. */
static void test_protection_honoured(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { .coherent = true };
	struct vm_area_struct *ro, *priv, *rw;
	struct device *dev;
	dma_addr_t dma;
	u8 *cpu, *p;

	dev = test_device(m, &cfg, NULL);
	cpu = dma_alloc_coherent(dev, PAGE_SIZE, &dma, GFP_KERNEL);
	memset(cpu, 0x11, PAGE_SIZE);

	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &ro), 0);
	vm_flags_clear(ro, VM_WRITE | VM_MAYWRITE);
	ro->vm_page_prot = vm_get_page_prot(ro->vm_flags);
	assert_int_equal(dma_mmap_coherent(dev, ro, cpu, dma, PAGE_SIZE), 0);
	p = (u8 *)ro->vm_start;
	assert_int_equal(p[10], 0x11);
	assert_true(test_write_faults(p + 10));
	assert_false(test_read_faults(p + 10));

	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &priv), 0);
	vm_flags_clear(priv, VM_SHARED | VM_MAYSHARE);
	priv->vm_page_prot = vm_get_page_prot(priv->vm_flags);
	assert_int_equal(dma_mmap_coherent(dev, priv, cpu, dma, PAGE_SIZE), 0);
	p = (u8 *)priv->vm_start;
	p[20] = 0x22;				/* a copy of its own */
	assert_int_equal(p[20], 0x22);
	assert_int_equal(cpu[20], 0x11);	/* the buffer never sees it */
	cpu[30] = 0x33;
	assert_int_equal(dmamap_bus_read(dev, dma + 20, cpu + 100, 1, NULL), 0);
	assert_int_equal(cpu[100], 0x11);

	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &rw), 0);
	assert_int_equal(dma_mmap_coherent(dev, rw, cpu, dma, PAGE_SIZE), 0);
	((u8 *)rw->vm_start)[40] = 0x44;	/* shared: the buffer is written */
	assert_int_equal(cpu[40], 0x44);
	/* what remap_pfn_range() marks */
	assert_int_equal(rw->vm_flags & (VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP),
			 VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	dmamap_vma_destroy(ro);
	dmamap_vma_destroy(priv);
	dmamap_vma_destroy(rw);
	dma_free_coherent(dev, PAGE_SIZE, cpu, dma);
	dmamap_device_destroy(dev);
}

/* Pages inserted one by one (the IOMMU backend's mmap) mark VM_MIXEDMAP instead. */
static void test_mixedmap(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct dmamap_iommu_config ic = { 0 };
	struct iommu_domain *dom;
	struct vm_area_struct *vma;
	struct device *dev;
	dma_addr_t dma;
	void *cpu;

	dev = test_device(m, &cfg, NULL);
	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	cpu = dma_alloc_coherent(dev, 4 * PAGE_SIZE, &dma, GFP_KERNEL);
	assert_int_equal(dmamap_vma_create(m, 4 * PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(dma_mmap_coherent(dev, vma, cpu, dma, 4 * PAGE_SIZE), 0);
	assert_true(vma->vm_flags & VM_MIXEDMAP);
	assert_false(vma->vm_flags & VM_PFNMAP);
	dmamap_vma_destroy(vma);
	dma_free_coherent(dev, 4 * PAGE_SIZE, cpu, dma);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	dmamap_device_destroy(dev);
}

/* vm_ops->close() runs once, while the mapping is still there; the library never calls open(). */
struct vma_events {
	int opens, closes;
	u8 seen;
};

static void ev_open(struct vm_area_struct *vma)
{
	((struct vma_events *)vma->vm_private_data)->opens++;
}

static void ev_close(struct vm_area_struct *vma)
{
	struct vma_events *ev = vma->vm_private_data;

	ev->closes++;
	ev->seen = *(u8 *)vma->vm_start;
}

static const struct vm_operations_struct ev_ops = { .open = ev_open, .close = ev_close };

static void test_vm_ops(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { .coherent = true };
	struct vma_events ev = { 0 }, left = { 0 };
	struct vm_area_struct *vma, *v2;
	struct device *dev;
	dma_addr_t dma;
	u8 *cpu;

	(void)state;
	dev = test_device(m, &cfg, NULL);
	cpu = dma_alloc_coherent(dev, PAGE_SIZE, &dma, GFP_KERNEL);
	cpu[0] = 0x5c;
	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &vma), 0);
	vma->vm_ops = &ev_ops;
	vma->vm_private_data = &ev;
	assert_int_equal(dma_mmap_coherent(dev, vma, cpu, dma, PAGE_SIZE), 0);
	assert_int_equal(ev.opens, 0);
	dmamap_vma_destroy(vma);
	assert_int_equal(ev.closes, 1);
	assert_int_equal(ev.seen, 0x5c);
	assert_int_equal(ev.opens, 0);

	/* a VMA left on the machine is closed with it */
	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &v2), 0);
	v2->vm_ops = &ev_ops;
	v2->vm_private_data = &left;
	assert_int_equal(dma_mmap_coherent(dev, v2, cpu, dma, PAGE_SIZE), 0);
	dma_free_coherent(dev, PAGE_SIZE, cpu, dma);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
	assert_int_equal(left.closes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_and_prot),
		TEST_MACHINE_CASE(test_protection_honoured, NULL),
		TEST_MACHINE_CASE(test_mixedmap, NULL),
		cmocka_unit_test(test_vm_ops),
	};

	return cmocka_run_group_tests_name("vma", tests, NULL, NULL);
}
