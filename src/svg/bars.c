// SPDX-License-Identifier: MIT
/*
 * dmamap_svg_bars(): measurements as bars against their floor and target, as
 * SVG. Every row gets an axis of its own, because the rows' units differ (ns
 * per call next to a share of a bandwidth): what a row shows is where its
 * value stands against its own floor and target, not against other rows.
 *
 * The whole input is checked before the first byte is written, so that a
 * call refused for a bad bar leaves @out as it was.
 */
#include <dmamap/svg.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "svg/xml.h"

#define WIDTH		1280.0
#define LEFT		280.0	/* the axes start here; the names are left of it */
#define BAR_W		520.0
#define BAR_H		18.0
#define TOP		80.0
#define ROW_H		60.0
#define TEXT_X		(LEFT + BAR_W + 12)
#define MARK_LABEL_W	34.0	/* about the width of "target" in 9-pixel type */

static bool nonneg(double v)
{
	return isfinite(v) && v >= 0;
}

static bool bar_ok(const struct dmamap_svg_bar *b)
{
	if (!b->name || !*b->name)
		return false;
	if (!isnan(b->value) && !nonneg(b->value))
		return false;
	if (isnan(b->low) != isnan(b->high))
		return false;
	if (!isnan(b->low) && (!nonneg(b->low) || !nonneg(b->high) || b->low > b->high))
		return false;
	if (!isnan(b->floor) && !nonneg(b->floor))
		return false;
	switch (b->goal) {
	case DMAMAP_SVG_NO_TARGET:
		return true;
	case DMAMAP_SVG_AT_MOST:
	case DMAMAP_SVG_AT_LEAST:
		return nonneg(b->target);
	}
	return false;
}

static bool met(const struct dmamap_svg_bar *b)
{
	return b->goal == DMAMAP_SVG_AT_MOST ? b->value <= b->target : b->value >= b->target;
}

/* A number and its unit, as the figures beside a bar say it. */
static void amount(FILE *f, double v, const char *unit)
{
	fprintf(f, "%.4g", v);
	if (unit && *unit) {
		fputc(' ', f);
		svg_xml_text(f, unit);
	}
}

/*
 * The words under the floor's and the target's lines. Where the two lines
 * are closer than a word is wide, the left word ends at its line and the
 * right one starts at its own, so that neither covers the other.
 */
static void mark_labels(FILE *f, double y, double xf, double xt, bool floor, bool target)
{
	const char *af = "middle", *at = "middle";
	double dxf = 0, dxt = 0;

	if (floor && target && fabs(xf - xt) < MARK_LABEL_W) {
		bool floor_left = xf <= xt;

		af = floor_left ? "end" : "start";
		at = floor_left ? "start" : "end";
		dxf = floor_left ? -2 : 2;
		dxt = -dxf;
	}
	if (floor)
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"9\" fill=\"#777\" "
			"text-anchor=\"%s\">floor</text>\n", xf + dxf, y + 34, af);
	if (target)
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"9\" fill=\"#555\" "
			"text-anchor=\"%s\">target</text>\n", xt + dxt, y + 34, at);
}

static void draw_row(FILE *f, const struct dmamap_svg_bar *b, double y)
{
	bool has_floor = b->floor > 0, has_target = b->goal != DMAMAP_SVG_NO_TARGET;
	bool has_spread = !isnan(b->low) && b->high > 0;
	bool ok = has_target && met(b);
	double hi, xf = 0, xt = 0;

	fputs("<g class=\"row\" data-name=\"", f);
	svg_xml_text(f, b->name);
	fprintf(f, "\">\n<text class=\"name\" x=\"10\" y=\"%.1f\" font-size=\"12\">", y + 15);
	svg_xml_text(f, b->name);
	fputs("</text>\n", f);
	if (isnan(b->value)) {
		fprintf(f, "<text class=\"note\" x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
			"fill=\"#c00\">", LEFT, y + 15);
		svg_xml_text(f, b->note ? b->note : "no result");
		fputs("</text>\n</g>\n", f);
		return;
	}

	/* the axis holds value, floor and target; a long tail of samples is cut */
	hi = b->value;
	if (has_floor)
		hi = fmax(hi, b->floor);
	if (has_target)
		hi = fmax(hi, b->target);
	hi = hi > 0 ? hi * 1.25 : 1;
#define AX(v) (LEFT + (v) / hi * BAR_W)
	fprintf(f, "<rect class=\"axis\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" "
		"fill=\"#f3f3f3\"/>\n", LEFT, y + 2, BAR_W, BAR_H);
	fprintf(f, "<rect class=\"value\" x=\"%.0f\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" "
		"fill=\"%s\"/>\n", LEFT, y + 2, AX(b->value) - LEFT, BAR_H,
		!has_target ? "#4e79a7" : ok ? "#59a14f" : "#e15759");
	if (has_spread) {
		bool cut = b->high > hi;

		fprintf(f, "<path class=\"spread\" d=\"M%.3f %.1fv8m0 -4H%.3f%s\" stroke=\"#222\" "
			"fill=\"none\"/>\n", AX(fmin(b->low, hi)), y + 7, AX(fmin(b->high, hi)),
			cut ? "m-6 -4l6 4l-6 4" : "m0 -4v8");
	}
	if (has_floor) {
		xf = AX(b->floor);
		fprintf(f, "<path class=\"floor\" d=\"M%.3f %.1fv26\" stroke=\"#777\" "
			"stroke-width=\"2\"/>\n", xf, y - 2);
	}
	if (has_target) {
		xt = AX(b->target);
		fprintf(f, "<path class=\"target %s\" d=\"M%.3f %.1fv26\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"4 2\"/>\n", ok ? "met" : "missed",
			xt, y - 2, ok ? "#2a8a2a" : "#c00");
	}
#undef AX
	mark_labels(f, y, xf, xt, has_floor, has_target);

	fprintf(f, "<text class=\"figures\" x=\"%.0f\" y=\"%.1f\" font-size=\"11\">", TEXT_X, y + 11);
	amount(f, b->value, b->unit);
	if (has_floor)
		fprintf(f, ", %.3g\u00d7 the floor", b->value / b->floor);
	fputs("</text>\n", f);
	fprintf(f, "<text class=\"goal\" x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">",
		TEXT_X, y + 25, !has_target || ok ? "#444" : "#c00");
	if (has_target) {
		fputs(b->goal == DMAMAP_SVG_AT_MOST ? "target: at most " : "target: at least ", f);
		amount(f, b->target, b->unit);
		fputs(ok ? ", met" : ", MISSED", f);
	} else {
		fputs("no target", f);
	}
	if (b->floor_name) {
		fputs("; floor: ", f);
		svg_xml_text(f, b->floor_name);
	}
	fputs("</text>\n", f);
	if (b->note) {
		fprintf(f, "<text class=\"note\" x=\"%.0f\" y=\"%.1f\" font-size=\"10\" "
			"fill=\"#555\">", LEFT, y + 48);
		svg_xml_text(f, b->note);
		fputs("</text>\n", f);
	}
	fputs("</g>\n", f);
}

int dmamap_svg_bars(FILE *out, const char *title, const struct dmamap_svg_bar *bars, size_t n)
{
	double height;

	if (!out || !bars || !n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!bar_ok(&bars[i]))
			return -EINVAL;
	if (!title)
		title = "Measurements";

	height = TOP + (double)n * ROW_H + 20;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<title>",
		WIDTH, height, WIDTH, height);
	svg_xml_text(out, title);
	fputs("</title>\n<text x=\"10\" y=\"26\" font-size=\"18\" font-weight=\"bold\">", out);
	svg_xml_text(out, title);
	fputs("</text>\n"
	      "<text x=\"10\" y=\"46\" font-size=\"11\" fill=\"#444\">Each row on an axis of its "
	      "own, from 0. Bar: the value, green when it meets its target, red when it misses "
	      "it, blue without one.</text>\n"
	      "<text x=\"10\" y=\"61\" font-size=\"11\" fill=\"#444\">Whisker: the spread of the "
	      "samples (10th to 90th percentile; an arrow where it goes on). Grey line: the floor, "
	      "the cost of the work itself. Dashed line: the target.</text>\n", out);
	for (size_t i = 0; i < n; i++)
		draw_row(out, &bars[i], TOP + (double)i * ROW_H);
	fputs("</svg>\n", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
