/* The state diagram's art and its glyphs (see diagram.h). */
#include <stdbool.h>
#include <string.h>

#include "diagram.h"

/*
 * RFC 9293 section 3.3.2's diagram, compacted to fit 80 columns; CLOSED
 * appears twice as in the RFC.  The Linux-only edges (RST from any
 * synchronized state, TIME-WAIT reuse) are listed under the diagram from
 * tcp_state_edges[], not drawn.
 */
const char *const tui_diagram[] = {
	"              +------------------>[CLOSED]<-----------------+",
	"              |                    |    |                   |",
	"              | close       listen |    | connect / snd SYN | close",
	"              |                    v    +-------------+     |",
	"              +---------------[LISTEN]                v     |",
	"                                 | rcv SYN       [SYN-SENT]-+",
	"                                 v snd SYN,ACK      |  |",
	"                            [SYN-RECV]<-------------+  |",
	"                                 |   rcv SYN (simul.)  |",
	"                                 | rcv ACK             | rcv SYN,ACK",
	"                                 +------->[ESTAB]<-----+",
	"                                           |   |",
	"                          close / snd FIN  |   | rcv FIN / snd ACK",
	"                    +----------------------+   +----------------+",
	"                    v                                           v",
	"  [CLOSING]<-----[FIN-WAIT-1]                             [CLOSE-WAIT]",
	"     |   rcv FIN      | rcv ACK                                 | close",
	"     |                v                                         v",
	"     | rcv ACK  [FIN-WAIT-2]                               [LAST-ACK]",
	"     |                | rcv FIN / snd ACK                       | rcv ACK",
	"     |                v                                         v",
	"     +---------->[TIME-WAIT]-------- 2MSL ----------------->[CLOSED]",
};
const int tui_diagram_rows = sizeof(tui_diagram) / sizeof(*tui_diagram);

static char
art_at(const char *const *art, int rows, int y, int x)
{
	if (y < 0 || y >= rows || x < 0 || (size_t)x >= strlen(art[y]))
		return ' ';
	return art[y][x];
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

enum tui_glyph
tui_diagram_glyph(const char *const *art, int rows, int y, int x)
{
	char c = art_at(art, rows, y, x);
	char up = art_at(art, rows, y - 1, x), down = art_at(art, rows, y + 1, x);
	char left = art_at(art, rows, y, x - 1);
	char right = art_at(art, rows, y, x + 1);
	bool u, d, l, r;

	switch (c) {
	case '|':
		return TUI_GLYPH_VLINE;
	case '-':
		/* A hyphen in a word stays one. */
		return strchr("-+<>", left) || strchr("-+<>", right)
			       ? TUI_GLYPH_HLINE
			       : TUI_GLYPH_TEXT;
	case 'v':
		return (up == '|' || up == '+') && !is_letter(left) &&
				       !is_letter(right)
			       ? TUI_GLYPH_HEAD_DOWN
			       : TUI_GLYPH_TEXT;
	case '^':
		return TUI_GLYPH_HEAD_UP;
	case '<':
		return right == '-' ? TUI_GLYPH_HEAD_LEFT : TUI_GLYPH_TEXT;
	case '>':
		return left == '-' ? TUI_GLYPH_HEAD_RIGHT : TUI_GLYPH_TEXT;
	case '+':
		u = up == '|' || up == '+' || up == '^';
		d = down == '|' || down == '+' || down == 'v';
		l = left == '-' || left == '+';
		r = right == '-' || right == '+';
		if (u && d && l && r)
			return TUI_GLYPH_CROSS;
		if (u && d)
			return l ? TUI_GLYPH_TEE_LEFT : TUI_GLYPH_TEE_RIGHT;
		if (l && r)
			return d ? TUI_GLYPH_TEE_DOWN : TUI_GLYPH_TEE_UP;
		if (d)
			return r ? TUI_GLYPH_TL : TUI_GLYPH_TR;
		return r ? TUI_GLYPH_BL : TUI_GLYPH_BR;
	}
	return TUI_GLYPH_TEXT;
}
