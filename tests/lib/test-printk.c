// SPDX-License-Identifier: MIT
/*
 * The kernel log's formatting, conversion by conversion: each line is
 * logged with stderr sent to a file and read back whole. The C library's
 * conversions come out as printf() makes them (with their widths and
 * precisions from the arguments), the kernel's %p extensions as the kernel
 * prints them, and what printf() does not know is printed as written.
 */
#include "test-util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char line[2048];

/* Logs @fmt on no device and keeps the line written, without its newline. */
static void logged(const char *fmt, ...)
{
	FILE *f = tmpfile();
	int saved;
	va_list ap;
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	va_start(ap, fmt);
	dmamap_vprintk(NULL, fmt, ap);
	va_end(ap);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	n = fread(line, 1, sizeof(line) - 1, f);
	line[n] = 0;
	fclose(f);
	if (n && line[n - 1] == '\n')
		line[n - 1] = 0;
}

static void test_c_conversions(void **state)
{
	int counted = 0;

	(void)state;
	logged("%c%c|%5d|%-4u|", 'o', 'k', 42, 7u);
	assert_string_equal(line, "<warn> ok|   42|7   |");
	logged("%*d|%-*d|%.*s|%*.*s|", 4, 1, 3, 2, 2, "abc", 5, 1, "xyz");
	assert_string_equal(line, "<warn>    1|2  |ab|    x|");
	logged("%lld %ld %llu %lu %hhx %zu %jd", -1LL, -2L, 3ULL, 4UL, 0x1ff, (size_t)5,
	       (long long)-6);
	assert_string_equal(line, "<warn> -1 -2 3 4 ff 5 -6");
	logged("%.2f %Lf %s", 1.5, (long double)2.25, (char *)NULL);
	assert_string_equal(line, "<warn> 1.50 2.250000 (null)");
	/* %n stores nothing, as in the kernel; its argument is still taken */
	logged("a%nb %d", &counted, 9);
	assert_string_equal(line, "<warn> ab 9");
	assert_int_equal(counted, 0);
	logged("100%% %o %X", 8u, 255u);
	assert_string_equal(line, "<warn> 100% 10 FF");
}

static void test_unknown_and_cut(void **state)
{
	char big[1500];

	(void)state;
	/* what printf() does not know is printed as written, the rest goes on */
	logged("a %k b %d", 1);
	assert_string_equal(line, "<warn> a %k b 1");
	/* a conversion cut by the end of the format */
	logged("tail %");
	assert_string_equal(line, "<warn> tail %");
	logged("tail %-0");
	assert_string_equal(line, "<warn> tail %-0");
	/* the line is cut at the log's line length, 1023 bytes */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	logged("%s", big);
	assert_int_equal(strlen(line), strlen("<warn> ") + 1023);
	logged("%s%s", big, "y");
	assert_int_equal(strlen(line), strlen("<warn> ") + 1023);
	assert_null(strchr(line, 'y'));
}

static void vlogged(const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf = (struct va_format){ .fmt = fmt, .va = &ap };
	logged("<%pV>", &vaf);
	va_end(ap);
}

static void test_pointer_extensions(void **state)
{
	dma_addr_t dma = 0x1234;
	phys_addr_t phys = 0x80001000;
	struct va_format empty = { 0 };

	(void)state;
	logged("%pad %pa", &dma, &phys);
	assert_string_equal(line, "<warn> 0x0000000000001234 0x0000000080001000");
	logged("%pe %pe", ERR_PTR(-EINVAL), ERR_PTR(-517));
	assert_string_equal(line, "<warn> -EINVAL -EPROBE_DEFER");
	/* an errno without a name is its number; a pointer that is no error, %p */
	logged("%pe|%pe", ERR_PTR(-4000), (void *)0x1000);
	assert_string_equal(line, "<warn> -4000|0x1000");
	logged("%pK|%p", (void *)0x2000, (void *)0x3000);
	assert_string_equal(line, "<warn> 0x2000|0x3000");
	vlogged("%s=%d", "n", 5);
	assert_string_equal(line, "<warn> <n=5>");
	logged("<%pV>", &empty);
	assert_string_equal(line, "<warn> <>");
	logged("<%pV>", (void *)NULL);
	assert_string_equal(line, "<warn> <>");
}

static void test_levels_and_warn(void **state)
{
	unsigned long w = dmamap_warn_count(), errs = dmamap_printk_count(3);
	FILE *f = tmpfile();
	char text[256] = "";
	int saved;

	(void)state;
	logged(KERN_ERR "e");
	assert_string_equal(line, "<err> e");
	assert_int_equal(dmamap_printk_count(3), errs + 1);
	/* a level prefix that is no level leaves the default */
	logged("\001" "9x");
	assert_string_equal(line, "<warn> x");
	/* trailing newlines are the line's own */
	logged("two\n\n");
	assert_string_equal(line, "<warn> two");
	assert_non_null(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	dmamap_warn("f.c", 7, "fn", "%s\n", "bad");
	dmamap_warn("g.c", 8, "gn", NULL);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	assert_int_equal(fread(text, 1, sizeof(text) - 1, f) > 0, 1);
	fclose(f);
	assert_string_equal(text, "<warn> WARNING: at f.c:7 fn(): bad\n"
			    "<warn> WARNING: at g.c:8 gn()\n");
	assert_int_equal(dmamap_warn_count(), w + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_conversions),
		cmocka_unit_test(test_unknown_and_cut),
		cmocka_unit_test(test_pointer_extensions),
		cmocka_unit_test(test_levels_and_warn),
	};

	return cmocka_run_group_tests_name("printk", tests, NULL, NULL);
}
