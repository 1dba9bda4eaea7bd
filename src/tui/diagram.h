/*
 * The TCP state diagram of the help screen, as ASCII art, and how each of
 * its characters is drawn.  No terminal here (tests check it).
 */
#ifndef SOCKWATCH_TUI_DIAGRAM_H
#define SOCKWATCH_TUI_DIAGRAM_H

/* The diagram, drawn in ASCII: '-' '|' '+' 'v' '^' '<' '>' for lines and
 * arrow heads, "[NAME]" for a state (its ss name). */
extern const char *const tui_diagram[];
extern const int tui_diagram_rows;

enum tui_glyph {
	TUI_GLYPH_TEXT, /* print the character as it is */
	TUI_GLYPH_HLINE,
	TUI_GLYPH_VLINE,
	TUI_GLYPH_TL, /* corners: top left... */
	TUI_GLYPH_TR,
	TUI_GLYPH_BL,
	TUI_GLYPH_BR,
	TUI_GLYPH_TEE_DOWN, /* a line that branches downwards */
	TUI_GLYPH_TEE_UP,
	TUI_GLYPH_TEE_LEFT,
	TUI_GLYPH_TEE_RIGHT,
	TUI_GLYPH_CROSS,
	TUI_GLYPH_HEAD_DOWN,
	TUI_GLYPH_HEAD_UP,
	TUI_GLYPH_HEAD_LEFT,
	TUI_GLYPH_HEAD_RIGHT,
};

/* What the character at (y, x) of art is: text, or which piece of line
 * (a '+' becomes the corner or tee its neighbours call for). */
enum tui_glyph tui_diagram_glyph(const char *const *art, int rows, int y,
				 int x);

#endif
