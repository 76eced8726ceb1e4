#!/usr/bin/python3
"""tests/sign/pki.py DIR — a throw-away test PKI for the signing tests.

Reads the public keys the token generated (DIR/pub-XX.der, SubjectPublicKeyInfo)
and writes, all under DIR/pki/:
  root.pem, intermediate.pem, chain.pem (intermediate + root), root.key/intermediate.key
  signer-01.pem/.der  RSA signer (digitalSignature, nonRepudiation), valid now
  signer-02.pem/.der  EC P-256 signer, valid now
  signer-03.pem/.der  RSA signer whose certificate EXPIRED in 2021
  signer-04.pem/.der  RSA certificate with keyUsage keyEncipherment only
  tsa.pem, tsa.key    time-stamping authority (EKU timeStamping, critical)
  crl.der             empty CRL of the intermediate (for the DSS / B-LT)
  crl-revoked.der     CRL of the intermediate listing signer-01 as revoked
TEST MATERIAL ONLY.  Needs python3-cryptography.
"""
import datetime, os, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

d = sys.argv[1]
pki = os.path.join(d, 'pki')
os.makedirs(pki, exist_ok=True)
now = datetime.datetime.utcnow().replace(microsecond=0)
day = datetime.timedelta(days=1)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, 'VN'),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'TEST ONLY ancong PKI'),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ku(sign=False, ca=False, enc=False):
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign, key_encipherment=enc,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def cert(subject, pub, issuer, issuer_key, ca=False, pathlen=None, usage=None, eku=None,
         not_before=None, not_after=None, issuer_cert=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before or now - day).not_valid_after(not_after or now + 700 * day)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=True)
         .add_extension(usage, critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    if issuer_cert is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


def save(c, base):
    open(os.path.join(pki, base + '.pem'), 'wb').write(c.public_bytes(serialization.Encoding.PEM))
    open(os.path.join(pki, base + '.der'), 'wb').write(c.public_bytes(serialization.Encoding.DER))


def savekey(k, base):
    open(os.path.join(pki, base + '.key'), 'wb').write(k.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
root = cert(name('TEST ancong Root CA'), root_key.public_key(), name('TEST ancong Root CA'), root_key,
            ca=True, usage=ku(ca=True), not_after=now + 3650 * day)
inter_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
inter = cert(name('TEST ancong Intermediate CA'), inter_key.public_key(), root.subject, root_key, ca=True,
             pathlen=0, usage=ku(ca=True), not_after=now + 1800 * day, issuer_cert=root)
save(root, 'root'); savekey(root_key, 'root')
save(inter, 'intermediate'); savekey(inter_key, 'intermediate')
open(os.path.join(pki, 'chain.pem'), 'wb').write(
    inter.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM))

specs = {
    '01': ('TEST Kiểm sát viên RSA', ku(sign=True), None, None),
    '02': ('TEST Kiểm sát viên ECDSA', ku(sign=True), None, None),
    '03': ('TEST expired signer', ku(sign=True), now - 1500 * day, now - 1000 * day),
    '04': ('TEST encryption-only certificate', ku(enc=True), None, None),
}
issued = {}
for kid, (cn, usage, nb, na) in specs.items():
    p = os.path.join(d, 'pub-%s.der' % kid)
    if not os.path.exists(p):
        continue
    pub = serialization.load_der_public_key(open(p, 'rb').read())
    c = cert(name(cn), pub, inter.subject, inter_key, usage=usage, not_before=nb, not_after=na, issuer_cert=inter)
    save(c, 'signer-' + kid)
    issued[kid] = c

tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
tsa = cert(name('TEST ancong TSA'), tsa_key.public_key(), inter.subject, inter_key, usage=ku(sign=True),
           eku=[ExtendedKeyUsageOID.TIME_STAMPING], issuer_cert=inter)
save(tsa, 'tsa'); savekey(tsa_key, 'tsa')

crl = (x509.CertificateRevocationListBuilder().issuer_name(inter.subject)
       .last_update(now - day).next_update(now + 30 * day).sign(inter_key, hashes.SHA256()))
open(os.path.join(pki, 'crl.der'), 'wb').write(crl.public_bytes(serialization.Encoding.DER))

if '01' in issued:
    rev = (x509.RevokedCertificateBuilder().serial_number(issued['01'].serial_number)
           .revocation_date(now - day).build())
    crl2 = (x509.CertificateRevocationListBuilder().issuer_name(inter.subject).add_revoked_certificate(rev)
            .last_update(now - day).next_update(now + 30 * day).sign(inter_key, hashes.SHA256()))
    open(os.path.join(pki, 'crl-revoked.der'), 'wb').write(crl2.public_bytes(serialization.Encoding.DER))
