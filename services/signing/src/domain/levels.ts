import { invalidArgument } from '@jitsuin/errors';
import { CertificationLevel, PadesLevel as ProtoLevel } from '@jitsuin/proto/signing/v1/signing';
import type { PadesLevel } from '@jitsuin/signer';

/** PAdES levels and DocMDP certification levels, both ways between protobuf and the signer. */
const LEVELS: Record<PadesLevel, ProtoLevel> = {
  'B-B': ProtoLevel.PADES_LEVEL_B_B,
  'B-T': ProtoLevel.PADES_LEVEL_B_T,
  'B-LT': ProtoLevel.PADES_LEVEL_B_LT,
  'B-LTA': ProtoLevel.PADES_LEVEL_B_LTA,
};

export const levelToProto = (level: PadesLevel): ProtoLevel => LEVELS[level];

/** Unspecified is B-B, the level that needs no timestamp authority. */
export function levelFromProto(value: ProtoLevel): PadesLevel {
  if (value === ProtoLevel.PADES_LEVEL_UNSPECIFIED) return 'B-B';
  const found = (Object.entries(LEVELS) as [PadesLevel, ProtoLevel][]).find(([, v]) => v === value);
  if (!found) throw invalidArgument(`PAdES level ${value} is unknown; use B_B, B_T, B_LT or B_LTA`);
  return found[0];
}

/** DocMDP P of a certification signature, or undefined for an ordinary one. */
export function certifyFromProto(value: CertificationLevel): 1 | 2 | 3 | undefined {
  switch (value) {
    case CertificationLevel.CERTIFICATION_LEVEL_UNSPECIFIED:
      return undefined;
    case CertificationLevel.CERTIFICATION_LEVEL_NO_CHANGES:
      return 1;
    case CertificationLevel.CERTIFICATION_LEVEL_FORM_FILLING:
      return 2;
    case CertificationLevel.CERTIFICATION_LEVEL_FORM_FILLING_AND_ANNOTATIONS:
      return 3;
    default:
      throw invalidArgument(`certification level ${String(value)} is unknown`);
  }
}

/** Whether a level needs a signature timestamp (and so a timestamp authority). */
export const needsTimestamp = (level: PadesLevel): boolean => level !== 'B-B';
