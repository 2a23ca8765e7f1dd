#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the DOCX test documents of tests/doc_docx.sh with only the standard library (zipfile and
hand-written WordprocessingML): an Arabic and an English news story, each with a header, a footnote,
a table, an image part (binary), a hyperlink, nested bold/italic runs inside one sentence, a tab and
a line break, a bookmark and a complex field; the Arabic one has right-to-left paragraphs and runs.

    make_docx.py [--bad] OUT_DIR    writes news-ar.docx and news-en.docx (and bad-*.docx: broken
                                    packages, bombs, encrypted and invalid parts)
    make_docx.py --seeds DIR        writes the seed corpus of tests/fuzz/fuzz_docx.c
"""
import os
import struct
import sys
import zipfile
import zlib

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = (
    f'xmlns:w="{W}" xmlns:r="{R}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Doc:
    def __init__(self, rtl):
        self.rtl = rtl

    def rpr(self, *props):
        """A run's properties (in schema order): props plus w:rtl for Arabic."""
        inner = "".join(props) + ("<w:rtl/>" if self.rtl else "")
        return f"<w:rPr>{inner}</w:rPr>" if inner else ""

    def run(self, text, *props):
        return f'<w:r>{self.rpr(*props)}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'

    def ppr(self, *props):
        bidi = "<w:bidi/>" if self.rtl else ""
        # pStyle comes before bidi, jc and spacing after it
        style = "".join(p for p in props if p.startswith("<w:pStyle"))
        rest = "".join(p for p in props if not p.startswith("<w:pStyle"))
        return f"<w:pPr>{style}{bidi}{rest}</w:pPr>"

    def para(self, *content, props=()):
        return f"<w:p>{self.ppr(*props)}{''.join(content)}</w:p>"


B, I, CS = "<w:b/><w:bCs/>", "<w:i/><w:iCs/>", ""
LINK = '<w:rStyle w:val="Hyperlink"/>'
NOTE = '<w:rStyle w:val="FootnoteReference"/>'


def drawing():
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        '<wp:extent cx="1905000" cy="1270000"/><wp:docPr id="1" name="Picture 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="image1.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:embed="rId6"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1905000" cy="1270000"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def field(d, instr, result):
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + d.run(result)
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def cell(d, text, head=False):
    props = (B,) if head else ()
    return (
        '<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>'
        + d.para(d.run(text, *props))
        + "</w:tc>"
    )


def table(d, rows):
    bidi = "<w:bidiVisual/>" if d.rtl else ""
    out = (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>{bidi}<w:tblW w:w="0" w:type="auto"/>'
        '</w:tblPr><w:tblGrid><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid>'
    )
    for k, row in enumerate(rows):
        out += "<w:tr>" + "".join(cell(d, c, k == 0) for c in row) + "</w:tr>"
    return out + "</w:tbl>"


STORIES = {
    "en": dict(
        header="Daily News: Economy Desk",
        title="Central bank raises interest rates",
        lead=[
            ("The ", ()),
            ("central bank", (B,)),
            (" announced on Tuesday that it would raise ", ()),
            ("interest rates", (I,)),
            (" by half a point, a ", ()),
            ("sharply", (B, I)),
            (" higher increase than expected, according to ", ()),
        ],
        link="a statement",
        tail=" published on its website.",
        tabbed=("Markets reacted quickly.", "Analysts expect further increases next month."),
        photo="The governor spoke to reporters in the capital on Tuesday evening.",
        mark=("Inflation reached ", "ten percent", " in the last quarter of the year."),
        fieldtext=("The full decision is on page ", "3", " of the report."),
        rows=[("Country", "Rate"), ("Egypt", "27 percent"), ("Jordan", "7 percent")],
        note="The statement was published by the bank's press office.",
    ),
    "ar": dict(
        header="الأخبار اليومية: قسم الاقتصاد",
        title="البنك المركزي يرفع أسعار الفائدة",
        lead=[
            ("أعلن ", ()),
            ("البنك المركزي", (B,)),
            (" يوم الثلاثاء أنه سيرفع ", ()),
            ("أسعار الفائدة", (I,)),
            (" بنصف نقطة، وهي زيادة ", ()),
            ("أكبر بكثير", (B, I)),
            (" مما كان متوقعا، وفقا ", ()),
        ],
        link="لبيان",
        tail=" نشر على موقعه الإلكتروني.",
        tabbed=("تفاعلت الأسواق بسرعة.", "ويتوقع المحللون زيادات أخرى في الشهر المقبل."),
        photo="تحدث المحافظ إلى الصحفيين في العاصمة مساء الثلاثاء.",
        mark=("بلغ التضخم ", "عشرة في المئة", " في الربع الأخير من العام."),
        fieldtext=("القرار الكامل في الصفحة ", "3", " من التقرير."),
        rows=[("البلد", "السعر"), ("مصر", "27 في المئة"), ("الأردن", "7 في المئة")],
        note="نشر البيان المكتب الصحفي للبنك.",
    ),
}


def document(lang):
    s = STORIES[lang]
    d = Doc(lang == "ar")
    body = d.para(d.run(s["title"]), props=('<w:pStyle w:val="Title"/>',))
    lead = "".join(d.run(t, *p) for t, p in s["lead"])
    lead += f'<w:hyperlink r:id="rId5" w:history="1">{d.run(s["link"], LINK)}</w:hyperlink>'
    lead += d.run(s["tail"])
    lead += f'<w:r>{d.rpr(NOTE)}<w:footnoteReference w:id="1"/></w:r>'
    body += d.para(lead, props=('<w:jc w:val="both"/>',))
    a, b = s["tabbed"]
    body += d.para(
        f'<w:r>{d.rpr()}<w:t>{esc(a)}</w:t><w:tab/><w:t>{esc(b)}</w:t></w:r>'
    )
    body += d.para(drawing() + d.run(s["photo"]))
    m1, m2, m3 = s["mark"]
    body += d.para(
        d.run(m1)
        + '<w:bookmarkStart w:id="0" w:name="inflation"/>'
        + d.run(m2)
        + '<w:bookmarkEnd w:id="0"/>'
        + d.run(m3)
    )
    f1, f2, f3 = s["fieldtext"]
    body += d.para(d.run(f1) + field(d, "PAGEREF inflation \\h", f2) + d.run(f3))
    body += table(d, s["rows"])
    body += d.para()
    sect = (
        '<w:sectPr><w:headerReference w:type="default" r:id="rId7"/>'
        '<w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" '
        'w:footer="708" w:gutter="0"/>' + ("<w:bidi/>" if d.rtl else "") + "</w:sectPr>"
    )
    return f"{DECL}<w:document {NS}><w:body>{body}{sect}</w:body></w:document>"


def header(lang):
    d = Doc(lang == "ar")
    p = d.para(d.run(STORIES[lang]["header"], "<w:sz w:val=\"18\"/>"), props=('<w:pStyle w:val="Header"/>',))
    return f"{DECL}<w:hdr {NS}>{p}</w:hdr>"


def footnotes(lang):
    d = Doc(lang == "ar")
    sep = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        "</w:r></w:p></w:footnote>"
    )
    note = d.para(
        f'<w:r>{d.rpr(NOTE)}<w:footnoteRef/></w:r>' + d.run(" " + STORIES[lang]["note"]),
        props=('<w:pStyle w:val="FootnoteText"/>',),
    )
    return f'{DECL}<w:footnotes {NS}>{sep}<w:footnote w:id="1">{note}</w:footnote></w:footnotes>'


STYLES = (
    f'{DECL}<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
    '<w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title">'
    '<w:name w:val="Title"/><w:rPr><w:sz w:val="48"/></w:rPr></w:style>'
    '<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/>'
    '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style></w:styles>'
)
CONTENT_TYPES = (
    f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.footnotes+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/></Types>'
)
RELS = (
    f'{DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
)
DOC_RELS = (
    f'{DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/footnotes" Target="footnotes.xml"/>'
    '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/hyperlink" Target="https://example.org/bank/statement" TargetMode="External"/>'
    '<Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/image" Target="media/image1.png"/>'
    '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/header" Target="header1.xml"/></Relationships>'
)


def core(lang):
    title = esc(STORIES[lang]["title"])
    return (
        f'{DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:creator>tarjama tests</dc:creator></cp:coreProperties>"
    )


def png():
    """A small real PNG (a 16x8 gradient): binary content that must come back byte for byte."""
    w, h = 16, 8
    raw = b"".join(b"\x00" + bytes(v for x in range(w) for v in (x * 16, y * 32, 128)) for y in range(h))

    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write(path, lang):
    entries = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/document.xml", document(lang)),
        ("word/_rels/document.xml.rels", DOC_RELS),
        ("word/styles.xml", STYLES),
        ("word/header1.xml", header(lang)),
        ("word/footnotes.xml", footnotes(lang)),
        ("word/media/image1.png", png()),
        ("docProps/core.xml", core(lang)),
    ]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 12, 0, 0))
            # the image stored as Word stores media, the XML deflated
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)


def patch_entry(data, name, local, central):
    """data (a ZIP) with fields of entry name's local and central headers replaced:
    local/central map an offset in that header to (struct format, value)."""
    data = bytearray(data)
    key = name.encode()
    for sig, fields in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        name_at = 26 if sig == b"PK\x03\x04" else 28
        head = 30 if sig == b"PK\x03\x04" else 46
        pos = data.find(sig)
        while pos >= 0:
            n = struct.unpack_from("<H", data, pos + name_at)[0]
            if data[pos + head : pos + head + n] == key:
                for off, (fmt, value) in fields.items():
                    struct.pack_into(fmt, data, pos + off, value)
            pos = data.find(sig, pos + 4)
    return bytes(data)


def package(entries):
    import io

    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()


def bad(out):
    """Broken packages for the error paths: name -> bytes."""
    good = open(os.path.join(out, "news-en.docx"), "rb").read()
    doc = document("en")
    rest = [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS)]
    cases = {
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "text": b"This is not a ZIP archive, only text.\n" * 20,
        "ole": bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504),
        "nodocument": package(rest + [("word/other.xml", doc)]),
        "badxml": package(rest + [("word/document.xml", doc.replace("</w:body>", "</w:bod>"))]),
        "doctype": package(rest + [("word/document.xml", DECL + '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
                                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                                    + doc[len(DECL):].replace("Markets", "&b; Markets"))]),
        "latin1": package(rest + [("word/document.xml", doc.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
                                   .encode().replace(b"Markets", b"March\xe9s"))]),
        "utf7": package(rest + [("word/document.xml", doc.replace('encoding="UTF-8"', 'encoding="UTF-7"'))]),
        "marks": package(rest + [("word/document.xml", doc.replace(
            "<w:body>", "<w:body><w:p>" + '<w:bookmarkStart w:id="1" w:name="x"/>' * 5000
            + "<w:r><w:t>Too many marks here.</w:t></w:r></w:p>"))]),
    }
    # a bomb declared as what it is: 300 MiB of XML in the headers
    big = package(rest + [("word/document.xml", doc)])
    cases["bomb"] = patch_entry(big, "word/document.xml", {22: ("<I", 300 << 20)},
                                {24: ("<I", 300 << 20)})
    # a bomb that lies: 64 MiB of zeros inflated from a header that says 1000 bytes
    zeros = package(rest + [("word/document.xml", b"<" + bytes(64 << 20))])
    cases["liar"] = patch_entry(zeros, "word/document.xml", {22: ("<I", 1000)}, {24: ("<I", 1000)})
    # the main part marked encrypted (traditional PKWARE encryption, flag bit 0)
    cases["encrypted"] = patch_entry(big, "word/document.xml", {6: ("<H", 1)}, {8: ("<H", 1)})
    for name, data in cases.items():
        with open(os.path.join(out, f"bad-{name}.docx"), "wb") as f:
            f.write(data)


def seeds(out):
    """The fuzz_docx seed corpus: byte 0 even + a package, byte 0 odd + word/document.xml."""
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(out, "tmp.docx")
    for k, lang in enumerate(("ar", "en")):
        write(tmp, lang)
        with open(tmp, "rb") as f:
            pkg = f.read()
        os.remove(tmp)
        with open(os.path.join(out, f"package-{lang}"), "wb") as f:
            f.write(bytes([2 * k]) + pkg)
        with open(os.path.join(out, f"document-{lang}"), "wb") as f:
            f.write(bytes([2 * k + 1]) + document(lang).encode())
        with open(os.path.join(out, f"footnotes-{lang}"), "wb") as f:
            f.write(bytes([2 * k + 1]) + footnotes(lang).encode())


def main():
    args = sys.argv[1:]
    if args and args[0] == "--seeds":
        seeds(args[1])
        return
    want_bad = "--bad" in args
    args = [a for a in args if a != "--bad"]
    out = args[0] if args else "."
    os.makedirs(out, exist_ok=True)
    for lang in ("ar", "en"):
        write(os.path.join(out, f"news-{lang}.docx"), lang)
    if want_bad:
        bad(out)


if __name__ == "__main__":
    main()
