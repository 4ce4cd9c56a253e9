"""PDF/UA-1 repairs of WeasyPrint's tagged output, as one post-processing step (pikepdf).

WeasyPrint 70 (``pdf_variant="pdf/ua-1"``) writes a structure tree that a checker and a screen
reader trip over in five places; each is fixed here on the finished PDF rather than in a fork of
the engine:

1. Running headers, footers and page numbers are marked content that no structure element
   reaches (WeasyPrint leaves margin boxes out of the tree: an Artifact element would need PDF
   2.0). They become ``/Artifact`` marked content (pagination), except the first page's
   letterhead and footer, which are linked into the tree once (first and last), so a screen
   reader reads the clinic's address and the disclaimer once.
2. The tree is built page by page, so every section split over pages becomes two or more
   elements. Templates mark the start of each element that may split with an empty
   ``<span class="ua-start"></span>``; a fragment at the top of a page without that mark is
   joined to the fragment it continues. The marks are then removed.
3. Figure bounding boxes are in CSS pixels from the top of the page; PDF wants points from the
   bottom.
4. Table header cells get ``/Scope`` (Column in a header row, Row beside data cells) and the
   IDs that data cells point to with ``/Headers`` get the ID tree PDF/UA requires.
6. Each part of a bilingual handout in its second language (English) starts with a language mark
   (``lang_mark`` in ``_lists.html``: a span holding one empty span): the element it opens gets
   ``/Lang (en)`` and the mark goes (WeasyPrint 70 writes the document's /Lang only).
5. List items whose first element is a ``<span>`` (the bullet or step number: ``_lists.html``)
   get it as their ``/Lbl``; a card reads name, picture, steps, then the dose box ("How much"),
   wherever the dose sits on paper.

:func:`finish_tags` is pure: the same PDF in gives the same bytes out.
"""

from __future__ import annotations

import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name, Object

START_MARK_CLASS = "ua-start"
_MARKED_CONTENT = re.compile(rb"/(\w+)\n<</MCID (\d+)>>\nBDC")
_ARTIFACT = b"/Artifact\n<</Type /Pagination>>\nBDC"
_HEADINGS = {f"/H{level}" for level in range(1, 7)}


def finish_tags(pdf: bytes) -> bytes:
    """The PDF with the repairs above applied; raises ``ValueError`` on an untagged PDF."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        tree = document.Root.get("/StructTreeRoot")
        if not isinstance(tree, Dictionary):
            raise ValueError("not a tagged PDF")
        root = tree.K[0] if isinstance(tree.K, Array) else tree.K
        if not isinstance(root, Dictionary):
            raise ValueError("the structure tree has no root element")
        _margins(document, tree, root)
        elements: list[tuple[str, Dictionary]] = []
        _join_page_fragments(_Node(root, _without_lang_marks(root)), elements)
        _figure_boxes_in_points(elements)
        _table_headers(document, tree, elements)
        _list_labels(elements)
        _dose_after_steps(elements)
        out = io.BytesIO()
        document.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                      deterministic_id=True, recompress_flate=False)
        return out.getvalue()


# 1. Margin boxes -----------------------------------------------------------------------------

def _margins(document: pikepdf.Pdf, tree: Dictionary, root: Dictionary) -> None:
    reached = _reached_mcids(document, root)
    parent_tree = tree.ParentTree.Nums
    for position in range(0, len(parent_tree), 2):
        index, mcids = int(parent_tree[position]), parent_tree[position + 1]
        if index >= len(document.pages) or not isinstance(mcids, Array):
            continue
        orphans = [mcid for mcid in range(len(mcids))
                   if (index, mcid) not in reached and isinstance(mcids[mcid], Dictionary)]
        if not orphans:
            continue
        # Margin boxes in WeasyPrint's order: the header (top centre), then the footer and the
        # page number (bottom left, bottom right). Each is one orphan subtree.
        groups: dict[tuple[int, int], list[int]] = {}
        tops: dict[tuple[int, int], Object] = {}
        for mcid in orphans:
            top = _orphan_root(mcids[mcid], root)
            groups.setdefault(top.objgen, []).append(mcid)
            tops[top.objgen] = top
        keep: set[int] = set()
        if index == 0:
            ordered = list(groups)
            header, footer = ordered[0], ordered[1] if len(ordered) > 2 else None
            _link(root, tops[header], first=True, page=document.pages[0].obj)
            keep.update(groups[header])
            if footer is not None:
                _link(root, tops[footer], first=False, page=document.pages[0].obj)
                keep.update(groups[footer])
        artifacts = {mcid for mcid in orphans if mcid not in keep}
        for mcid in artifacts:
            mcids[mcid] = pikepdf.Object.parse(b"null")
        _mark_artifacts(document.pages[index].obj, artifacts)


def _reached_mcids(document: pikepdf.Pdf, root: Dictionary) -> set[tuple[int, int]]:
    page_index = {page.obj.objgen: index for index, page in enumerate(document.pages)}
    reached: set[tuple[int, int]] = set()

    def walk(node, page: int | None) -> None:
        if isinstance(node, Array):
            for kid in node:
                walk(kid, page)
        elif isinstance(node, Dictionary):
            if node.get("/Type") == "/MCR":
                reached.add((page_index[node.Pg.objgen], int(node.MCID)))
            elif node.get("/Type") != "/OBJR":
                if "/Pg" in node:
                    page = page_index[node.Pg.objgen]
                if "/K" in node:
                    walk(node.K, page)
        elif page is not None:
            reached.add((page, int(node)))

    walk(root, None)
    return reached


def _orphan_root(element: Object, root: Dictionary) -> Object:
    while element.P.objgen != root.objgen:
        element = element.P
    return element


def _link(root: Dictionary, element: Object, *, first: bool, page: Dictionary) -> None:
    element.S = Name.Div
    element.Pg = page
    if first:
        root.K.insert(0, element)
    else:
        root.K.append(element)


def _mark_artifacts(page: Dictionary, mcids: set[int]) -> None:
    if not mcids:
        return
    streams = page.Contents if isinstance(page.Contents, Array) else [page.Contents]
    for stream in streams:
        data = stream.read_bytes()
        changed = _MARKED_CONTENT.sub(
            lambda m: _ARTIFACT if int(m.group(2)) in mcids else m.group(0), data)
        if changed != data:
            stream.write(changed)


# 2. Sections split over pages ----------------------------------------------------------------

def _kids(element: Object) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _is_element(node) -> bool:
    return isinstance(node, Dictionary) and node.get("/Type") not in ("/MCR", "/OBJR")


def _is_empty_span(node) -> bool:
    return _is_element(node) and node.get("/S") == "/Span" and len(_kids(node)) == 0


class _Node:
    """A structure element with its kids read once (pikepdf reads every access afresh from the PDF)."""

    __slots__ = ("element", "kids")

    def __init__(self, element: Dictionary, kids: list):
        self.element, self.kids = element, kids

    @property
    def starts_marked(self) -> bool:
        return bool(self.kids) and _is_empty_span(self.kids[0])

    @property
    def is_empty_span(self) -> bool:
        return self.element.get("/S") == "/Span" and not self.kids


def _join_page_fragments(parent: _Node, elements: list[tuple[str, Dictionary]]) -> None:
    """Join each fragment that continues the previous sibling (same tag, no start mark), drop the
    marks, and list every element of the tree (tag, element) in reading order into ``elements``.

    ``parent``'s own language marks are gone already; its kids' go here, before any of them is
    looked at (6.), so each element is read once for both repairs.
    """
    joined: list = []
    for kid in parent.kids:
        node = _Node(kid, _without_lang_marks(kid)) if _is_element(kid) else None
        previous = joined[-1] if joined else None
        if (node is not None and isinstance(previous, _Node)
                and kid.get("/S") == previous.element.get("/S") and previous.starts_marked
                and not node.starts_marked and _other_page(previous.element, kid)):
            previous.kids = _append_kids(previous.element, previous.kids, node)
            continue
        joined.append(node if node is not None else kid)
    kept = [entry for entry in joined if not (isinstance(entry, _Node) and entry.is_empty_span)]
    if len(kept) != len(parent.kids):
        parent.element.K = Array([entry.element if isinstance(entry, _Node) else entry for entry in kept])
    elements.append((str(parent.element.get("/S")), parent.element))
    for entry in kept:
        if isinstance(entry, _Node):
            _join_page_fragments(entry, elements)


SECOND_LANGUAGE = "en"  # the second language of a bilingual handout (prescribe.handout.view)


def _is_lang_mark(node) -> bool:
    if not _is_element(node) or node.get("/S") != "/Span":
        return False
    kids = _kids(node)
    return len(kids) == 1 and _is_empty_span(kids[0])


def _without_lang_marks(element: Dictionary) -> list:
    """``element``'s kids, a language mark among them taken out: the element gets ``/Lang (en)``."""
    kids = _kids(element)
    kept = [kid for kid in kids if not _is_lang_mark(kid)]
    if len(kept) != len(kids):
        element.Lang = pikepdf.String(SECOND_LANGUAGE)
        element.K = Array(kept)
    return kept


def _other_page(first: Dictionary, second: Dictionary) -> bool:
    return "/Pg" in first and "/Pg" in second and first.Pg.objgen != second.Pg.objgen


def _append_kids(target: Dictionary, kids: list, source: _Node) -> list:
    """``target``'s ``kids`` with ``source``'s appended (now ``target``'s K), as a new list."""
    kids = list(kids)
    for kid in source.kids:
        if isinstance(kid, int):
            kid = Dictionary(Type=Name.MCR, Pg=source.element.Pg, MCID=kid)
        elif _is_element(kid):
            kid.P = target
        kids.append(kid)
    # Integer MCIDs of the target keep its /Pg; those moved in carry their own page now.
    target.K = Array(kids)
    return kids


# 3. Figure boxes -----------------------------------------------------------------------------

def _figure_boxes_in_points(elements: list[tuple[str, Dictionary]]) -> None:
    for tag, element in elements:
        if tag != "/Figure" or "/A" not in element or "/BBox" not in element.A:
            continue
        box = [float(value) for value in element.A.BBox]
        page_box = [float(value) for value in element.Pg.MediaBox]
        height = page_box[3] - page_box[1]
        x1, y1, x2, y2 = (value * 0.75 for value in box)  # CSS px -> pt
        element.A.BBox = Array([round(x1, 3), round(height - y2, 3), round(x2, 3), round(height - y1, 3)])


# 4. Table headers ----------------------------------------------------------------------------

def _table_headers(document: pikepdf.Pdf, tree: Dictionary, elements: list[tuple[str, Dictionary]]) -> None:
    ids: dict[str, Dictionary] = {}
    for tag, element in elements:
        if tag != "/TR":
            continue
        cells = [kid for kid in _kids(element) if _is_element(kid)]
        in_head = element.P.get("/S") == "/THead"
        has_data = any(cell.get("/S") == "/TD" for cell in cells)
        for cell in cells:
            if cell.get("/S") != "/TH":
                continue
            attributes = cell.get("/A")
            if not isinstance(attributes, Dictionary):
                attributes = cell.A = Dictionary(O=Name.Table)
            attributes.Scope = Name.Column if in_head or not has_data else Name.Row
            if "/ID" in cell:
                ids[str(cell.ID)] = cell
    if ids:
        tree.IDTree = document.make_indirect(Dictionary(
            Names=Array([item for key in sorted(ids) for item in (pikepdf.String(key), ids[key])])))


# 5. List labels and the card's reading order -------------------------------------------------

def _first_kid(element: Dictionary, tag: str) -> Dictionary | None:
    """The element's first kid if it is a structure element tagged ``tag``."""
    kids = _kids(element)
    return kids[0] if kids and _is_element(kids[0]) and kids[0].get("/S") == tag else None


def _list_labels(elements: list[tuple[str, Dictionary]]) -> None:
    for tag, element in elements:
        body = _first_kid(element, "/LBody") if tag == "/LI" else None
        label = _first_kid(body, "/Span") if body is not None else None
        if body is None or label is None or not _kids(label):
            continue
        kids, body_kids = _kids(element), _kids(body)
        label.S = Name.Lbl
        label.P = element
        body.K = Array(body_kids[1:])
        element.K = Array([label, *kids])


def _dose_after_steps(elements: list[tuple[str, Dictionary]]) -> None:
    """In each card the "How much" box (the Div led by the card's H4) moves to the end of the card,
    after the steps, tips and stop-if, so every card reads name, picture, steps, dose."""
    for tag, element in elements:
        if tag != "/Div" or _first_kid(element, "/H4") is None:
            continue
        card = element.P
        while card.get("/S") not in ("/Art", "/StructTreeRoot", None):
            card = card.P
        if card.get("/S") != "/Art":
            continue
        parent = element.P
        parent.K = Array([kid for kid in _kids(parent) if not (_is_element(kid) and kid.objgen == element.objgen)])
        while not _kids(parent) and parent.objgen != card.objgen:  # a column left empty goes too
            grandparent = parent.P
            grandparent.K = Array([kid for kid in _kids(grandparent)
                                   if not (_is_element(kid) and kid.objgen == parent.objgen)])
            parent = grandparent
        element.P = card
        card.K = Array([*_kids(card), element])
