#!/usr/bin/python3
"""tests/sign/mkpdf.py OUT.pdf [PAGES] [--docmdp P]

Writes a small A4 PDF (classic xref table) with PAGES pages of text, for the
signing tests and benchmarks.  --docmdp P adds a /Perms /DocMDP certification
dictionary with that permission level (the signature itself is a dummy: the
file only exercises ancong's refusal to sign documents certified with P=1).
"""
import sys

args = sys.argv[1:]
out = args[0]
pages = int(args[1]) if len(args) > 1 and not args[1].startswith('--') else 1
docmdp = int(args[args.index('--docmdp') + 1]) if '--docmdp' in args else None

objs = {}
objs[1] = b'<</Type/Catalog/Pages 2 0 R%s>>'
font = 3
objs[font] = b'<</Type/Font/Subtype/Type1/BaseFont/Times-Roman/Encoding/WinAnsiEncoding>>'
kids = []
n = 4
for p in range(pages):
    text = ('BT /F1 12 Tf 72 760 Td (Test document page %d of %d) Tj 0 -16 Td '
            '(Vien kiem sat nhan dan - signing test) Tj ET' % (p + 1, pages)).encode()
    objs[n] = b'<</Length %d>>stream\n' % len(text) + text + b'\nendstream'
    objs[n + 1] = (b'<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 %d 0 R>>>>'
                   b'/Contents %d 0 R>>' % (font, n))
    kids.append(n + 1)
    n += 2
objs[2] = b'<</Type/Pages/Count %d/Kids[%s]>>' % (pages, b' '.join(b'%d 0 R' % k for k in kids))
extra = b''
if docmdp is not None:
    sig = n
    objs[sig] = (b'<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 0 0 0]'
                 b'/Contents<00>/Reference[<</Type/SigRef/TransformMethod/DocMDP'
                 b'/TransformParams<</Type/TransformParams/P %d/V/1.2>>>>]>>' % docmdp)
    extra = b'/Perms<</DocMDP %d 0 R>>' % sig
    n += 1
objs[1] = objs[1] % extra
buf = bytearray(b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')
offs = {}
for k in sorted(objs):
    offs[k] = len(buf)
    buf += b'%d 0 obj\n' % k + objs[k] + b'\nendobj\n'
xref = len(buf)
size = max(objs) + 1
buf += b'xref\n0 %d\n0000000000 65535 f\r\n' % size
for k in range(1, size):
    buf += b'%010d 00000 n\r\n' % offs[k] if k in offs else b'0000000000 00000 f\r\n'
buf += b'trailer\n<</Size %d/Root 1 0 R/ID[<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>]>>\n' % size
buf += b'startxref\n%d\n%%%%EOF\n' % xref
open(out, 'wb').write(buf)
