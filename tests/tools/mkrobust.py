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
    }
    for n, b in files.items():
        with open(os.path.join(d, n), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
