/* SPDX-License-Identifier: MIT */
/* What the SVG writers share. */
#ifndef DMAMAP_SVG_XML_H
#define DMAMAP_SVG_XML_H

#include <stdio.h>

/* @s as the text of an element or the value of an attribute. */
void svg_xml_text(FILE *f, const char *s);

#endif
