// SPDX-License-Identifier: MIT
/*
 * The <linux/...> compatibility tree (include/dmamap/linux-compat): kernel
 * calls without a machine argument on the current machine, kfree() and
 * virt_to_page() finding the machine from the address, the log with its
 * format extensions and counters, WARN and BUG, refcount_t and kref, mutex
 * and spinlock with lockdep assertions, lists, and the small helpers.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/device.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/refcount.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/string.h>
#include <linux/atomic.h>
#include <linux/module.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("a test");

static int compat_init(void)
{
	return 0;
}
module_init(compat_init);

static struct dmamap_machine *machine(void)
{
	struct dmamap_machine *m = NULL;

	assert_int_equal(dmamap_machine_create(NULL, &m), 0);
	return m;
}

static u64 kmalloc_bytes(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	return st.kmalloc_bytes;
}

/* The current machine: set, or else the last created; kfree() goes by the address. */
static void test_current_machine(void **state)
{
	struct dmamap_machine *a, *b;
	void *pa, *pb;

	(void)state;
	assert_null(dmamap_machine_current());
	assert_null(kmalloc(64, GFP_KERNEL));		/* no machine, no memory */
	a = machine();
	assert_ptr_equal(dmamap_machine_current(), a);
	b = machine();
	assert_ptr_equal(dmamap_machine_current(), b);	/* the last created */
	pb = kmalloc(100, GFP_KERNEL);
	assert_ptr_equal(dmamap_virt_machine(pb), b);
	assert_int_equal(dmamap_machine_set_current(a), 0);
	pa = kzalloc(100, GFP_KERNEL);
	assert_ptr_equal(dmamap_virt_machine(pa), a);
	assert_true(mem_is_zero(pa, 100));
	assert_int_equal(dmamap_machine_set_current((struct dmamap_machine *)&pa), -EINVAL);
	assert_ptr_equal(dmamap_machine_current(), a);
	kfree(pb);				/* b's, while a is current */
	assert_int_equal(kmalloc_bytes(b), 0);
	assert_ptr_equal(virt_to_page(pa), dmamap_virt_to_page(a, pa));
	kfree(pa);
	kfree(NULL);
	assert_int_equal(kmalloc_bytes(a), 0);
	dmamap_machine_destroy(a);		/* the one set: back to the default */
	assert_ptr_equal(dmamap_machine_current(), b);
	assert_int_equal(dmamap_machine_set_current(NULL), 0);
	dmamap_machine_destroy(b);
	assert_null(dmamap_machine_current());
}

/* kcalloc overflow, krealloc, kmemdup, kstrdup; objects are in the linear map. */
static void test_kmalloc_family(void **state)
{
	struct dmamap_machine *m = machine();
	u32 *v;
	char *s;

	(void)state;
	assert_null(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL));
	v = kcalloc(16, sizeof(*v), GFP_KERNEL);
	assert_non_null(v);
	assert_true(mem_is_zero(v, 64));
	v[3] = 7;
	v = krealloc(v, 8192, GFP_KERNEL);
	assert_int_equal(v[3], 7);
	assert_true(ksize(v) >= 8192);
	assert_true(virt_to_phys(v) != (phys_addr_t)-1);
	assert_ptr_equal(phys_to_virt(virt_to_phys(v)), v);
	s = kstrdup("dmamap", GFP_KERNEL);
	assert_string_equal(s, "dmamap");
	kfree(s);
	kvfree(v);
	v = kvmalloc(SZ_1M, GFP_KERNEL);
	assert_non_null(v);
	kvfree(v);
	assert_int_equal(kmalloc_bytes(m), 0);
	dmamap_machine_destroy(m);
}

static void test_pages(void **state)
{
	struct dmamap_machine *m = machine();
	struct dmamap_stats st0, st1;
	struct page *p;
	unsigned long z;

	(void)state;
	dmamap_machine_stats(m, &st0);
	p = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_COMP, 2);
	assert_non_null(p);
	assert_ptr_equal(dmamap_page_machine(p), m);
	assert_ptr_equal(virt_to_page(page_to_virt(p)), p);
	assert_ptr_equal(virt_to_page((char *)page_address(p) + 3 * PAGE_SIZE + 5), p + 3);
	assert_ptr_equal(kmap_local_page(p + 1), page_address(p + 1));
	__free_pages(p, 2);
	z = get_zeroed_page(GFP_KERNEL);
	assert_true(z != 0);
	assert_true(mem_is_zero((void *)z, PAGE_SIZE));
	assert_int_equal(virt_to_phys((void *)z), page_to_phys(virt_to_page((void *)z)));
	free_page(z);
	p = alloc_page(GFP_KERNEL);
	__free_page(p);
	assert_null(virt_to_page(&z));			/* not the linear map */
	assert_int_equal(virt_to_phys(&z), (phys_addr_t)-1);
	dmamap_machine_stats(m, &st1);
	assert_int_equal(st1.pages_free, st0.pages_free);
	dmamap_machine_destroy(m);
}

/* What the log printed: stderr read back through a pipe. */
static char logged[4096];

static void capture(void (*fn)(void *), void *arg)
{
	int fds[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	dup2(fds[1], STDERR_FILENO);
	close(fds[1]);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = read(fds[0], logged, sizeof(logged) - 1);
	logged[n > 0 ? n : 0] = 0;
	close(fds[0]);
}

static void log_things(void *arg)
{
	struct device *dev = arg;
	dma_addr_t dma = 0x12345000;
	phys_addr_t phys = 0x80001000;

	dev_err(dev, "map of %pad (phys %pa) failed: %pe, %d left\n", &dma, &phys,
		ERR_PTR(-ENOMEM), 3);
	pr_info("plain %s %5.2f %lu%%\n", "text", 1.5, 42UL);
	dev_dbg(dev, "not compiled in: %d\n", 1);
}

static void test_log(void **state)
{
	struct dmamap_machine *m = machine();
	struct dmamap_device_config cfg = { .name = "eth0" };
	unsigned long errs = dmamap_printk_count(3), infos = dmamap_printk_count(6);
	unsigned long dbgs = dmamap_printk_count(7);
	struct device *dev;

	(void)state;
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), 0);
	capture(log_things, dev);
	assert_non_null(strstr(logged, "<err> eth0: map of 0x0000000012345000 (phys "
				"0x0000000080001000) failed: -ENOMEM, 3 left\n"));
	assert_non_null(strstr(logged, "<info> plain text  1.50 42%\n"));
	assert_int_equal(dmamap_printk_count(3), errs + 1);
	assert_int_equal(dmamap_printk_count(6), infos + 1);
	assert_int_equal(dmamap_printk_count(7), dbgs);
	assert_int_equal(dev_err_probe(dev, -EPROBE_DEFER, "later"), -EPROBE_DEFER);
	assert_int_equal(dmamap_printk_count(3), errs + 1);	/* a deferral is not logged */
	assert_int_equal(dev_err_probe(dev, -EIO, "no"), -EIO);
	assert_int_equal(dmamap_printk_count(3), errs + 2);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
}

static int warn_site(int x)
{
	return WARN_ON_ONCE(x > 1);
}

static void test_warn_and_bug(void **state)
{
	unsigned long w = dmamap_warn_count();
	pid_t pid;
	int status;

	(void)state;
	assert_false(WARN_ON(0));
	assert_int_equal(dmamap_warn_count(), w);
	assert_true(WARN_ON(1 + 1 == 2));
	assert_int_equal(dmamap_warn_count(), w + 1);
	assert_true(WARN(3, "value %d", 3));
	assert_int_equal(dmamap_warn_count(), w + 2);
	assert_true(warn_site(2));
	assert_true(warn_site(3));			/* true again, logged once */
	assert_false(warn_site(0));
	assert_int_equal(dmamap_warn_count(), w + 3);
	BUG_ON(0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(STDERR_FILENO);
		BUG_ON(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

struct obj {
	struct kref ref;
	int released;
};

static void obj_release(struct kref *k)
{
	container_of(k, struct obj, ref)->released++;
}

static void test_refcount(void **state)
{
	refcount_t r = REFCOUNT_INIT(1);
	struct obj o;
	unsigned long w = dmamap_warn_count();

	(void)state;
	refcount_inc(&r);
	assert_int_equal(refcount_read(&r), 2);
	assert_false(refcount_dec_and_test(&r));
	assert_true(refcount_dec_and_test(&r));
	assert_int_equal(dmamap_warn_count(), w);
	assert_false(refcount_inc_not_zero(&r));	/* gone: not revived */
	refcount_inc(&r);				/* a use after free: warned, saturated */
	assert_int_equal(dmamap_warn_count(), w + 1);
	assert_int_equal((int)refcount_read(&r), REFCOUNT_SATURATED);
	assert_false(refcount_dec_and_test(&r));	/* never freed again */

	kref_init(&o.ref);
	o.released = 0;
	kref_get(&o.ref);
	assert_int_equal(kref_put(&o.ref, obj_release), 0);
	assert_int_equal(kref_put(&o.ref, obj_release), 1);
	assert_int_equal(o.released, 1);
}

static DEFINE_MUTEX(big_lock);
static DEFINE_SPINLOCK(small_lock);

static void *other_thread(void *arg)
{
	(void)arg;
	return (void *)(long)mutex_trylock(&big_lock);
}

static void test_locks(void **state)
{
	unsigned long w = dmamap_warn_count(), flags;
	pthread_t t;
	void *ret;

	(void)state;
	mutex_lock(&big_lock);
	assert_true(mutex_is_locked(&big_lock));
	lockdep_assert_held(&big_lock);
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	pthread_join(t, &ret);
	assert_int_equal((long)ret, 0);			/* held here: not taken there */
	mutex_unlock(&big_lock);
	assert_int_equal(dmamap_warn_count(), w);
	lockdep_assert_held(&big_lock);			/* not held: warned */
	assert_int_equal(dmamap_warn_count(), w + 1);
	mutex_unlock(&big_lock);			/* not held: warned, refused */
	assert_int_equal(dmamap_warn_count(), w + 2);
	assert_false(mutex_is_locked(&big_lock));

	spin_lock_irqsave(&small_lock, flags);
	lockdep_assert_held(&small_lock);
	assert_int_equal(spin_trylock(&small_lock), 0);
	spin_unlock_irqrestore(&small_lock, flags);
	assert_int_equal(flags, 0);
	assert_int_equal(dmamap_warn_count(), w + 2);
}

struct item {
	int v;
	struct list_head node;
};

static void test_list_and_helpers(void **state)
{
	LIST_HEAD(head);
	struct item items[4], *it, *n;
	int sum = 0;
	char buf[4];
	atomic_t a = ATOMIC_INIT(5);
	int big = 300;

	(void)state;
	for (int i = 0; i < 4; i++) {
		items[i].v = i;
		list_add_tail(&items[i].node, &head);
	}
	assert_int_equal(list_count_nodes(&head), 4);
	assert_int_equal(list_first_entry(&head, struct item, node)->v, 0);
	assert_int_equal(list_last_entry(&head, struct item, node)->v, 3);
	list_for_each_entry_safe(it, n, &head, node) {
		sum += it->v;
		if (it->v & 1)
			list_del(&it->node);
	}
	assert_int_equal(sum, 6);
	assert_int_equal(list_count_nodes(&head), 2);
	list_move(&items[2].node, &head);
	assert_int_equal(list_first_entry(&head, struct item, node)->v, 2);

	assert_int_equal(strscpy(buf, "abc", sizeof(buf)), 3);
	assert_int_equal(strscpy(buf, "abcd", sizeof(buf)), -E2BIG);
	assert_string_equal(buf, "abc");
	assert_int_equal(min(3, 5), 3);
	assert_int_equal(max_t(u8, big, 2), 44);	/* compared as u8 */
	assert_int_equal(min_not_zero(0, 7), 7);
	assert_int_equal(clamp(12, 0, 10), 10);
	assert_int_equal(ALIGN(5, 4), 8);
	assert_int_equal(DIV_ROUND_UP(9, 4), 3);
	assert_int_equal(upper_32_bits(0x1234567800000000ULL), 0x12345678);
	assert_int_equal(GENMASK(7, 4), 0xf0);
	assert_int_equal(ilog2(4096), 12);
	assert_true(is_power_of_2(64));
	assert_int_equal(atomic_inc_return(&a), 6);
	assert_false(atomic_dec_and_test(&a));
	assert_int_equal(PTR_ERR_OR_ZERO(ERR_PTR(-EIO)), -EIO);
	assert_int_equal(PTR_ERR_OR_ZERO(&a), 0);
	might_sleep();
	assert_int_equal(EPROBE_DEFER, 517);
	assert_int_equal(ENOMEM, 12);
	BUILD_BUG_ON(sizeof(u32) != 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_machine),
		cmocka_unit_test(test_kmalloc_family),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_warn_and_bug),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_locks),
		cmocka_unit_test(test_list_and_helpers),
	};

	return cmocka_run_group_tests_name("compat", tests, NULL, NULL);
}
