#!/usr/bin/env python3
"""mkrobust.py DIR: small hostile fixtures for tests/integration/process_robust.sh.

  ojpeg.tif          a TIFF whose one page says Compression = 6 (old-style JPEG)
  garbage_text.pdf   a page drawn in Helvetica whose ToUnicode map is broken:
                     the text layer reads as CJK mojibake (each byte b becomes
                     U+bb00, what a UTF-16 byte-order mix-up gives), while the
                     page itself shows plain Latin text that OCR can read
  good_text.pdf      the same page with a correct map (a real text layer)
  bad_xref.pdf       good_text.pdf with every cross-reference offset wrong,
                     so the reader has to rebuild the table
  bad_jpeg.pdf       good_text.pdf with a JPEG image whose data is cut short
  damaged_stream.pdf good_text.pdf with an unused LZW stream that decodes
                     and one with a bad code (as qpdf's damaged-stream.pdf)

Only the Python standard library; no fixtures from outside the tree.
"""
import os
import struct
import sys

LINES = [
    "VIEN KIEM SAT NHAN DAN TINH QUANG NGAI",
    "CONG HOA XA HOI CHU NGHIA VIET NAM",
    "Doc lap - Tu do - Hanh phuc",
    "So: 27/TB-VKS    Quang Ngai, ngay 12 thang 3 nam 2026",
    "THONG BAO",
    "Ve viec thu ly vu viec dan su cong ich",
    "Vien kiem sat nhan dan tinh Quang Ngai thong bao da thu ly",
    "vu viec so 08/2026/DSCI ve hanh vi xa nuoc thai gay o nhiem",
    "moi truong tai xa Tinh Phong, do ba Nguyen Thi Huong cung cap.",
    "Kiem sat vien duoc phan cong: ong Tran Van Duc.",
]


def pdf(objs, shift=0):
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % (o + shift)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_pdf(broken, shift=0, bad_jpeg=False):
    content = b"q 120 0 0 60 400 40 cm /Im1 Do Q\n" if bad_jpeg else b""
    content += b"BT /F1 15 Tf 60 780 Td 20 TL\n"
    for ln in LINES:
        esc = ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content += b"(" + esc.encode("latin-1") + b") Tj T*\n"
    content += b"ET\n"
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <00> <FF> endcodespacerange\n")
    codes = list(range(0x20, 0x7f))
    for k in range(0, len(codes), 100):
        part = codes[k:k + 100]
        cmap += b"%d beginbfchar\n" % len(part)
        for c in part:
            u = (c << 8) if broken else c
            cmap += b"<%02X> <%04X>\n" % (c, u)
        cmap += b"endbfchar\n"
    cmap += b"endcmap CMapName currentdict /CMap defineresource pop end end\n"
    xobj = b" /XObject << /Im1 7 0 R >>" if bad_jpeg else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >>" + xobj + b" >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        b"/ToUnicode 6 0 R >>",
        stream(content),
        stream(cmap),
    ]
    if bad_jpeg:
        # a JPEG cut after its first bytes: header, then nothing usable
        objs.append(stream(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200)),
                           b"/Type /XObject /Subtype /Image /Width 64 /Height 32 "
                           b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode "))
    return pdf(objs, shift)


def lzw(data):
    """PDF LZWDecode (EarlyChange 1) of a short input: under 254 codes, so
    every code is 9 bits wide."""
    table = {bytes([i]): i for i in range(256)}
    nxt, codes, w = 258, [256], b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
        else:
            codes.append(table[w])
            table[wc] = nxt
            nxt += 1
            w = bytes([c])
    if w:
        codes.append(table[w])
    codes.append(257)
    assert nxt < 510
    bits = "".join(format(c, "09b") for c in codes)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def damaged_stream_pdf():
    """good_text.pdf plus two streams no page draws (like qpdf's
    damaged-stream.pdf): one LZW stream that decodes, one with a bad code."""
    base = text_pdf(False)
    body = base[:base.index(b"xref\n")]
    good = lzw(b"ancong: a small stream that decodes")
    bad = bytes([0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0xFF, 0xFF, 0xFF, 0xFF]) + bytes(range(40))
    objs = []
    n = body.count(b" 0 obj\n")
    for k, data in enumerate((good, bad)):
        objs.append((n + 1 + k, stream(data, b"/Filter /LZWDecode ")))
    out = body
    offs = [m for m in range(len(body)) if body.startswith(b" 0 obj\n", m)]
    starts = []
    for m in offs:
        j = m
        while j > 0 and body[j - 1:j].isdigit():
            j -= 1
        starts.append(j)
    for num, o in objs:
        starts.append(len(out))
        out += b"%d 0 obj\n" % num + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(starts) + 1)
    for o in starts:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(starts) + 1, x)
    return out


def ojpeg_tiff():
    w = h = 16
    data = bytes(range(256))
    tags = [  # tag, type (3 SHORT, 4 LONG), value
        (256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 6), (262, 3, 1),
        (273, 4, 0), (277, 3, 1), (278, 4, h), (279, 4, len(data)),
    ]
    ifd_off = 8
    ifd_len = 2 + 12 * len(tags) + 4
    data_off = ifd_off + ifd_len
    out = b"II*\x00" + struct.pack("<I", ifd_off) + struct.pack("<H", len(tags))
    for tag, typ, val in tags:
        if tag == 273:
            val = data_off
        if typ == 3:
            out += struct.pack("<HHIHH", tag, typ, 1, val, 0)
        else:
            out += struct.pack("<HHII", tag, typ, 1, val)
    out += struct.pack("<I", 0) + data
    return out


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    files = {
        "ojpeg.tif": ojpeg_tiff(),
        "garbage_text.pdf": text_pdf(True),
        "good_text.pdf": text_pdf(False),
        "bad_xref.pdf": text_pdf(False, shift=7),
        "bad_jpeg.pdf": text_pdf(False, bad_jpeg=True),
        "damaged_stream.pdf": damaged_stream_pdf(),
    }
    for n, b in files.items():
        with open(os.path.join(d, n), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
