#!/bin/sh
# The layers include only what is below them (scripts/layers.tab): every
# #include "sockwatch/X.h" in src/ and include/ is checked against the
# table, as is every library include that belongs to one layer.  A
# layer's private headers (src/LAYER/X.h) are its own: another layer
# that reaches them ("../LAYER/X.h") fails.
#   check-layers.sh [ROOT]     ROOT: the tree to check (default: here)
set -eu
root=${1:-$(dirname "$0")/..}
table="$root/scripts/layers.tab"

{
	# One awk over every file (a grep and a sed per file are a thousand
	# processes): "FILE LAYER LINE:#include ..." per include.
	awk '/^#[[:space:]]*include/ {
		n = split(FILENAME, p, "/")
		if (p[n - 1] == "sockwatch" && p[n - 2] == "include")
			print "include/sockwatch/" p[n] " @" p[n] " " FNR ":" $0
		else
			print "src/" p[n - 1] "/" p[n] " " p[n - 1] " " FNR ":" $0
	}' "$root"/src/*/*.c "$root"/src/*/*.h "$root"/include/sockwatch/*.h
} | awk -v table="$table" '
BEGIN {
	while ((getline line < table) > 0) {
		n = split(line, w, /[ \t]+/)
		if (w[1] == "layer") {
			known[w[2]] = 1
			allowed[w[2], w[2]] = 1
			for (i = 3; i <= n; i++)
				allowed[w[2], w[i]] = 1
		} else if (w[1] == "header") {
			layer_of[w[2]] = w[3]
		} else if (w[1] == "library") {
			libs[++nlibs] = w[3]
			lib_layer[nlibs] = w[2]
		}
	}
	bad = 0
}
{
	file = $1
	layer = $2
	if (substr(layer, 1, 1) == "@") {
		h = substr(layer, 2)
		if (!(h in layer_of)) {
			printf "layers: %s has no layer in scripts/layers.tab\n", file
			bad = 1
			next
		}
		layer = layer_of[h]
	}
	if (!(layer in known)) {
		printf "layers: %s is in unknown layer %s\n", file, layer
		bad = 1
		next
	}
	line = $0
	if (match(line, /"sockwatch\/[A-Za-z0-9_]+\.h"/)) {
		h = substr(line, RSTART + 11, RLENGTH - 12)
		if (!(h in layer_of)) {
			printf "layers: %s includes %s, which has no layer\n", file, h
			bad = 1
		} else if (!((layer, layer_of[h]) in allowed)) {
			printf "layers: %s (%s) must not include %s (%s)\n", file, layer, h, layer_of[h]
			bad = 1
		}
	} else if (match(line, /"\.\.\/[^"]*"/)) {
		# A folder below the file is its own; one reached through
		# ".." must be in its layer.
		inc = substr(line, RSTART + 1, RLENGTH - 2)
		dir = inc
		sub(/^(\.\.\/)+/, "", dir)
		sub(/\/.*/, "", dir)
		if (dir != layer) {
			printf "layers: %s (%s) must not include \"%s\", another layer\047s private header\n", file, layer, inc
			bad = 1
		}
	} else if (match(line, /<[^>]+>/)) {
		inc = substr(line, RSTART + 1, RLENGTH - 2)
		for (i = 1; i <= nlibs; i++)
			if (index(inc, libs[i]) == 1 && lib_layer[i] != layer) {
				printf "layers: %s (%s) must not include <%s> (%s only)\n", file, layer, inc, lib_layer[i]
				bad = 1
			}
	}
}
END {
	if (bad)
		exit 1
	print "layers: ok"
}'
