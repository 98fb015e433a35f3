"""Validates every signature of a PDF with pyHanko and prints one JSON report on stdout.

    python pyhanko_validate.py FILE.pdf ROOTS.pem [--online]

Run with the venv ./jitsuin makes (.jitsuin/venv, pyhanko pinned there). For each signature it
reports what pyHanko itself says (intact, valid, trusted, coverage, modification level, DocMDP,
its summary line) and the PAdES baseline level the signature reaches, judged by pyHanko:

  B-B    validate_pdf_signature: bottom line true (revocation checked online with --online)
  B-T    ... and a signature timestamp that pyHanko finds intact, valid and trusted
  B-LT   ... and the signature validates again from the DSS alone: no fetching, revocation
         checking hard-fail, the DSS's certificates, CRLs and OCSP responses only
  B-LTA  ... and pyHanko's AdES LTA validation (ETSI EN 319 102-1 5.6.3, the document
         timestamps as evidence record, local knowledge only) passes

Document timestamps are validated with validate_pdf_timestamp, online and from the DSS.
"""

import asyncio
import json
import sys
import traceback

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)


def enum_name(value):
    return None if value is None else getattr(value, 'name', str(value))


def status_report(status):
    ts = getattr(status, 'timestamp_validity', None)
    out = {
        'intact': bool(status.intact),
        'valid': bool(status.valid),
        'trusted': bool(status.trusted),
        'bottom_line': bool(status.bottom_line),
        'trust_problem': enum_name(status.trust_problem_indic),
        'coverage': enum_name(getattr(status, 'coverage', None)),
        'modification_level': enum_name(getattr(status, 'modification_level', None)),
        'docmdp_ok': getattr(status, 'docmdp_ok', None),
        'summary': status.summary(),
        'signer': status.signing_cert.subject.human_friendly,
    }
    if ts is not None:
        out['timestamp'] = {
            'intact': bool(ts.intact),
            'valid': bool(ts.valid),
            'trusted': bool(ts.trusted),
            'time': ts.timestamp.isoformat(),
        }
    return out


def main():
    path, roots_path = sys.argv[1], sys.argv[2]
    online = '--online' in sys.argv[3:]
    roots = list(load_certs_from_pemder([roots_path]))
    report = {'file': path, 'signatures': []}
    with open(path, 'rb') as f:
        reader = PdfFileReader(f)
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except Exception:  # no DSS
            dss = None
        report['dss'] = None if dss is None else {
            'certs': len(dss.certs),
            'crls': len(dss.crls),
            'ocsps': len(dss.ocsps),
        }

        def online_vc():
            return ValidationContext(
                trust_roots=roots,
                allow_fetching=online,
                revocation_mode='hard-fail' if online else 'soft-fail',
            )

        def dss_vc():
            return dss.as_validation_context(
                {'trust_roots': roots, 'allow_fetching': False, 'revocation_mode': 'hard-fail'}
            )

        lta_spec = PdfSignatureValidationSpec(
            signature_validation_spec=SignatureValidationSpec(
                cert_validation_policy=CertValidationPolicySpec(
                    trust_manager=SimpleTrustManager.build(trust_roots=roots),
                    revinfo_policy=CertRevTrustPolicy(
                        RevocationCheckingPolicy(
                            ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                            intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                        )
                    ),
                ),
                revinfo_gathering_policy=RevocationInfoGatheringSpec(
                    online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
                ),
            ),
            diff_policy=DEFAULT_DIFF_POLICY,
        )

        for sig in reader.embedded_signatures:
            entry = {'field': sig.field_name, 'type': sig.sig_object_type.lstrip('/')}
            try:
                if entry['type'] == 'DocTimeStamp':
                    st = validate_pdf_timestamp(sig, validation_context=online_vc())
                    entry['status'] = {
                        'intact': bool(st.intact),
                        'valid': bool(st.valid),
                        'trusted': bool(st.trusted),
                        'coverage': enum_name(st.coverage),
                        'modification_level': enum_name(st.modification_level),
                        'summary': st.summary(),
                        'time': st.timestamp.isoformat(),
                    }
                    if dss is not None:
                        st2 = validate_pdf_timestamp(sig, validation_context=dss_vc())
                        entry['from_dss'] = {'trusted': bool(st2.trusted), 'summary': st2.summary()}
                    report['signatures'].append(entry)
                    continue

                st = validate_pdf_signature(sig, signer_validation_context=online_vc())
                entry['status'] = status_report(st)
                entry['docmdp'] = enum_name(sig.docmdp_level)
                entry['fieldmdp'] = None if sig.fieldmdp is None else str(sig.fieldmdp.action)
                level = None
                ts = st.timestamp_validity
                if st.bottom_line:
                    level = 'B-B'
                    if ts is not None and ts.intact and ts.valid and ts.trusted:
                        level = 'B-T'
                if level == 'B-T' and dss is not None:
                    st_lt = validate_pdf_signature(sig, signer_validation_context=dss_vc())
                    entry['from_dss'] = {'bottom_line': bool(st_lt.bottom_line), 'summary': st_lt.summary()}
                    if st_lt.bottom_line:
                        level = 'B-LT'
                if level == 'B-LT':
                    try:
                        lta = asyncio.run(ades_lta_validation(sig, lta_spec))
                        entry['ades_lta'] = {
                            'indication': enum_name(lta.ades_subindic.status) if lta.ades_subindic else None,
                            'subindication': enum_name(lta.ades_subindic),
                            'oldest_evidence_record_timestamp': None if lta.oldest_evidence_record_timestamp is None else lta.oldest_evidence_record_timestamp.isoformat(),
                        }
                        if enum_name(lta.ades_subindic) == 'OK' and lta.oldest_evidence_record_timestamp is not None:
                            level = 'B-LTA'
                    except Exception as e:  # report, do not hide
                        entry['ades_lta'] = {'error': f'{type(e).__name__}: {e}'}
                entry['level'] = level
            except Exception as e:
                entry['error'] = f'{type(e).__name__}: {e}'
                entry['traceback'] = traceback.format_exc()
            report['signatures'].append(entry)
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
