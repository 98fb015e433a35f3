"""Checks bench/sign.ts outputs with pyHanko's validator: one line per signature.

    python validate_pyhanko.py FILE.pdf ROOTS.pem

Offline (no fetching, soft-fail revocation): intact, valid, trusted, coverage, and whether
pyHanko sees a PAdES signature (SubFilter ETSI.CAdES.detached with signing-certificate-v2).
"""
import sys

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def main() -> None:
    path, roots_path = sys.argv[1:3]
    roots = list(load_certs_from_pemder([roots_path]))
    lines = []
    with open(path, 'rb') as f:
        reader = PdfFileReader(f)
        for sig in reader.embedded_signatures:
            vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode='soft-fail')
            st = validate_pdf_signature(sig, signer_validation_context=vc)
            attrs = sig.signer_info['signed_attrs']
            names = sorted(a['type'].native for a in attrs)
            lines.append(
                f"{sig.field_name}: intact={st.intact} valid={st.valid} trusted={st.trusted} "
                f"coverage={getattr(st.coverage, 'name', st.coverage)} subfilter={sig.sig_object.get('/SubFilter')} "
                f"signed_attrs={','.join(names)}"
            )
    print(' ; '.join(lines) if lines else 'no signatures')


main()
