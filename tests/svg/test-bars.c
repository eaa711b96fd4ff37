// SPDX-License-Identifier: MIT
/*
 * dmamap_svg_bars(): one row per measurement in the order given, one bar per
 * value (none for a missing one, which says why instead), the floor and the
 * target as marks placed on the row's own axis, the target met or missed on
 * the right side, names and notes escaped, and bad input refused before a
 * byte is written.
 */
#include "test-util.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *draw(const char *title, const struct dmamap_svg_bar *bars, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(dmamap_svg_bars(f, title, bars, n), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static int count(const char *from, const char *to, const char *what)
{
	int n = 0;

	for (const char *at = from; (at = strstr(at, what)) && (!to || at < to); at++)
		n++;
	return n;
}

/* The element starting with @prefix in [@from, @to), or NULL. */
static const char *element(const char *from, const char *to, const char *prefix)
{
	const char *at = strstr(from, prefix);

	return at && at < to ? at : NULL;
}

/* A number in an attribute of the element at @el. */
static double attr(const char *el, const char *name)
{
	char key[32];
	const char *at, *end = strchr(el, '>');

	snprintf(key, sizeof(key), " %s=\"", name);
	at = strstr(el, key);
	assert_non_null(at);
	assert_true(at < end);
	return strtod(at + strlen(key), NULL);
}

/* Where the vertical mark of a floor or target path stands. */
static double mark_x(const char *el)
{
	const char *d = strstr(el, " d=\"M");

	assert_non_null(d);
	return strtod(d + 5, NULL);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

struct row {
	const char *start, *end;
};

/* The rows in order; the number found. */
static int rows(const char *svg, struct row *r, int max)
{
	int n = 0;

	for (const char *at = svg; (at = strstr(at, "<g class=\"row\"")); at++) {
		assert_true(n < max);
		r[n].start = at;
		r[n].end = strstr(at, "</g>");
		assert_non_null(r[n].end);
		n++;
	}
	return n;
}

static void test_rows_marks_labels(void **state)
{
	const struct dmamap_svg_bar bars[] = {
		{ .name = "copy <4k> & \"x\"", .unit = "ns", .value = 50, .low = 40, .high = 60,
		  .floor = 25, .floor_name = "memcpy <4k>", .goal = DMAMAP_SVG_AT_MOST,
		  .target = 100, .note = "1 < 2" },
		{ .name = "bandwidth", .unit = "%", .value = 80, .low = NAN, .high = NAN,
		  .floor = 100, .goal = DMAMAP_SVG_AT_LEAST, .target = 90 },
		{ .name = "broken", .value = NAN, .low = NAN, .high = NAN, .floor = NAN,
		  .note = "could not run: No such device" },
		{ .name = "plain", .unit = "us", .value = 10, .low = 5, .high = 1000, .floor = NAN,
		  .target = NAN },
		{ .name = "zeroed", .value = 3 },
	};
	char *svg = draw("bench & co", bars, 5);
	struct row r[8];
	const char *axis, *val, *fl, *tg, *sp;
	double left, w, bw;

	(void)state;
	assert_true(!strncmp(svg, "<?xml", 5));
	assert_non_null(strstr(svg, "<title>bench &amp; co</title>"));
	assert_int_equal(count(svg, NULL, "<g"), count(svg, NULL, "</g>"));
	assert_int_equal(strcmp(svg + strlen(svg) - 7, "</svg>\n"), 0);
	/* nothing given reaches the document unescaped */
	assert_null(strstr(svg, "<4k>"));
	assert_null(strstr(svg, "1 < 2"));

	assert_int_equal(rows(svg, r, 8), 5);
	assert_true(starts(r[0].start, "<g class=\"row\" data-name=\"copy &lt;4k&gt; &amp; "
				"&quot;x&quot;\">"));
	assert_true(starts(r[1].start, "<g class=\"row\" data-name=\"bandwidth\">"));
	assert_true(starts(r[2].start, "<g class=\"row\" data-name=\"broken\">"));
	assert_true(starts(r[3].start, "<g class=\"row\" data-name=\"plain\">"));
	for (int i = 0; i < 5; i++) {
		assert_int_equal(count(r[i].start, r[i].end, "<text class=\"name\""), 1);
		/* one bar per value, none where there is none */
		assert_int_equal(count(r[i].start, r[i].end, "<rect class=\"value\""), i == 2 ? 0 : 1);
	}
	assert_int_equal(count(svg, NULL, "<path class=\"floor\""), 2);
	assert_int_equal(count(svg, NULL, "<path class=\"target met\""), 1);
	assert_int_equal(count(svg, NULL, "<path class=\"target missed\""), 1);

	/* 50 ns against a floor of 25 and a target of 100: on an axis to 125 */
	axis = element(r[0].start, r[0].end, "<rect class=\"axis\"");
	val = element(r[0].start, r[0].end, "<rect class=\"value\"");
	fl = element(r[0].start, r[0].end, "<path class=\"floor\"");
	tg = element(r[0].start, r[0].end, "<path class=\"target met\"");
	sp = element(r[0].start, r[0].end, "<path class=\"spread\"");
	assert_non_null(axis);
	assert_non_null(val);
	assert_non_null(fl);
	assert_non_null(tg);
	assert_non_null(sp);
	left = attr(axis, "x");
	bw = attr(axis, "width");
	w = attr(val, "width");
	assert_true(fabs(attr(val, "x") - left) < 0.01);
	assert_true(fabs(w - bw * 50 / 125) < 0.01);
	assert_true(fabs(mark_x(fl) - left - w / 2) < 0.01);
	assert_true(fabs(mark_x(tg) - left - 2 * w) < 0.01);
	assert_true(fabs(mark_x(sp) - left - w * 40 / 50) < 0.01);
	assert_non_null(strstr(val, "fill=\"#59a14f\""));
	assert_non_null(element(r[0].start, r[0].end, ">50 ns, 2\u00d7 the floor</text>"));
	assert_non_null(element(r[0].start, r[0].end,
				">target: at most 100 ns, met; floor: memcpy &lt;4k&gt;</text>"));
	assert_non_null(element(r[0].start, r[0].end, ">floor</text>"));
	assert_non_null(element(r[0].start, r[0].end, ">target</text>"));
	assert_non_null(element(r[0].start, r[0].end, "<text class=\"note\""));
	assert_non_null(element(r[0].start, r[0].end, ">1 &lt; 2</text>"));

	/* 80 % where at least 90 was wanted, the floor at 100: missed, in red */
	val = element(r[1].start, r[1].end, "<rect class=\"value\"");
	fl = element(r[1].start, r[1].end, "<path class=\"floor\"");
	tg = element(r[1].start, r[1].end, "<path class=\"target missed\"");
	assert_non_null(val);
	assert_non_null(fl);
	assert_non_null(tg);
	w = attr(val, "width");
	assert_true(fabs(w - bw * 80 / 125) < 0.01);
	assert_true(fabs(mark_x(fl) - left - w * 100 / 80) < 0.01);
	assert_true(fabs(mark_x(tg) - left - w * 90 / 80) < 0.01);
	assert_non_null(strstr(val, "fill=\"#e15759\""));
	assert_non_null(element(r[1].start, r[1].end, ">target: at least 90 %, MISSED</text>"));
	assert_null(element(r[1].start, r[1].end, "<path class=\"spread\""));
	assert_null(element(r[1].start, r[1].end, "<text class=\"note\""));

	/* no value: the reason, and no marks */
	assert_non_null(element(r[2].start, r[2].end, ">could not run: No such device</text>"));
	assert_null(element(r[2].start, r[2].end, "<path"));

	/* no floor, no target: blue, said so; the spread past the axis ends in an arrow */
	val = element(r[3].start, r[3].end, "<rect class=\"value\"");
	sp = element(r[3].start, r[3].end, "<path class=\"spread\"");
	assert_non_null(val);
	assert_non_null(sp);
	assert_non_null(strstr(val, "fill=\"#4e79a7\""));
	assert_true(fabs(attr(val, "width") - bw / 1.25) < 0.01);
	assert_non_null(strstr(sp, "m-6 -4l6 4l-6 4"));
	assert_null(element(r[3].start, r[3].end, "<path class=\"floor\""));
	assert_null(element(r[3].start, r[3].end, "<path class=\"target"));
	assert_non_null(element(r[3].start, r[3].end, ">10 us</text>"));
	assert_non_null(element(r[3].start, r[3].end, ">no target</text>"));

	/* zeroed but for name and value: a plain bar, nothing else */
	assert_true(starts(r[4].start, "<g class=\"row\" data-name=\"zeroed\">"));
	val = element(r[4].start, r[4].end, "<rect class=\"value\"");
	assert_non_null(val);
	assert_true(fabs(attr(val, "width") - bw / 1.25) < 0.01);
	assert_null(element(r[4].start, r[4].end, "<path"));
	assert_null(element(r[4].start, r[4].end, "<text class=\"note\""));
	assert_non_null(element(r[4].start, r[4].end, ">3</text>"));
	free(svg);

	/* no title: a heading of its own */
	svg = draw(NULL, &bars[1], 1);
	assert_non_null(strstr(svg, "<title>Measurements</title>"));
	free(svg);
}

static void test_bad_input(void **state)
{
	const struct dmamap_svg_bar good = { .name = "ok", .value = 1, .low = NAN, .high = NAN,
					     .floor = NAN };
	struct dmamap_svg_bar bad[] = {
		{ .name = NULL, .value = 1, .low = NAN, .high = NAN, .floor = NAN },
		{ .name = "", .value = 1, .low = NAN, .high = NAN, .floor = NAN },
		{ .name = "x", .value = -1, .low = NAN, .high = NAN, .floor = NAN },
		{ .name = "x", .value = INFINITY, .low = NAN, .high = NAN, .floor = NAN },
		{ .name = "x", .value = 1, .low = NAN, .high = 2, .floor = NAN },
		{ .name = "x", .value = 1, .low = 1, .high = NAN, .floor = NAN },
		{ .name = "x", .value = 1, .low = 3, .high = 2, .floor = NAN },
		{ .name = "x", .value = 1, .low = -1, .high = 2, .floor = NAN },
		{ .name = "x", .value = 1, .low = 0, .high = INFINITY, .floor = NAN },
		{ .name = "x", .value = 1, .low = NAN, .high = NAN, .floor = -1 },
		{ .name = "x", .value = 1, .low = NAN, .high = NAN, .floor = INFINITY },
		{ .name = "x", .value = 1, .low = NAN, .high = NAN, .floor = NAN,
		  .goal = (enum dmamap_svg_goal)7, .target = 1 },
		{ .name = "x", .value = 1, .low = NAN, .high = NAN, .floor = NAN,
		  .goal = DMAMAP_SVG_AT_MOST, .target = NAN },
		{ .name = "x", .value = 1, .low = NAN, .high = NAN, .floor = NAN,
		  .goal = DMAMAP_SVG_AT_LEAST, .target = -1 },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *ro = fopen("/dev/null", "r");

	(void)state;
	assert_non_null(f);
	assert_int_equal(dmamap_svg_bars(NULL, NULL, &good, 1), -EINVAL);
	assert_int_equal(dmamap_svg_bars(f, NULL, NULL, 1), -EINVAL);
	assert_int_equal(dmamap_svg_bars(f, NULL, &good, 0), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the bad bar comes second: the first must not have been written either */
		struct dmamap_svg_bar two[2] = { good, bad[i] };

		assert_int_equal(dmamap_svg_bars(f, NULL, two, 2), -EINVAL);
	}
	assert_int_equal(fflush(f), 0);
	assert_int_equal(len, 0);
	/* a target that is not read may be anything */
	bad[0] = good;
	bad[0].target = NAN;
	assert_int_equal(dmamap_svg_bars(f, NULL, bad, 1), 0);
	/* a stream that cannot be written */
	assert_non_null(ro);
	assert_int_equal(dmamap_svg_bars(ro, NULL, &good, 1), -EIO);
	fclose(ro);
	fclose(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_marks_labels),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("svg-bars", tests, NULL, NULL);
}
