# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables in Markdown and HTML from one row model, and the style the HTML reports share.

A row is a list of cells; a cell is its text and whether it marks a problem
(bold in Markdown, red in HTML), so every format shows the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# A cell: its text and whether it marks a problem (bold in Markdown, red in HTML).
Cell = tuple[str, bool]


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1160px}
h1{font-size:26px;margin-bottom:4px}h2{margin-top:28px;border-bottom:1px solid #ddd}h3{margin-top:22px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px}
th{background:#f3f3f3}td.num{text-align:right}.bad{color:#d62728;font-weight:600}.ok{color:#2a7d2a}
.error{border-left:5px solid #d62728;background:#fdecea;padding:6px 10px;margin:6px 0}
.warning{border-left:5px solid #e6a700;background:#fff8e1;padding:6px 10px;margin:6px 0}
.fix{color:#444;font-size:13px;margin-top:3px}.summary{font-size:15px}
svg.chart{display:block;margin:10px 0;background:#fff;border:1px solid #eee}
svg .title{font-size:15px;font-weight:600}svg .label,svg .value{font-size:12px}
svg .tick,svg .legend{font-size:11px;fill:#555}svg .grid{stroke:#e5e5e5}svg .marker{font-size:12px;font-weight:600}
"""


def md_cell(cell: Cell) -> str:
    text, bad = cell
    return f"**{text}**" if bad else text


def md_table(head: Sequence[str], rows: Sequence[Sequence[Cell]], numeric: frozenset[int] = frozenset()) -> list[str]:
    align = ["---:" if i in numeric else "---" for i in range(len(head))]
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(align) + "|",
        *("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows),
    ]


def html_table(head: Sequence[str], rows: Sequence[Sequence[Cell]], numeric: frozenset[int] = frozenset()) -> str:
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = []
        for index, (text, bad) in enumerate(row):
            cls = " ".join(c for c in ("num" if index in numeric else "", "bad" if bad else "") if c)
            cells.append(f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)
