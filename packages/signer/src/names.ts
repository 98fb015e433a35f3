import { readBasic4Facts, subjectAttributeOf } from '@jitsuin/jpki';

const CN = '2.5.4.3';
const O = '2.5.4.10';

/**
 * The name to show for a signer: the basic-4 name of a JPKI signing certificate (its CN is an
 * opaque id), otherwise the subject's CN, otherwise its O.
 */
export function signerDisplayName(certificate: Uint8Array): string {
  try {
    const facts = readBasic4Facts(certificate);
    if (facts?.name) return facts.name;
  } catch {
    // Malformed facts: fall back to the subject, the certificate is checked elsewhere.
  }
  const attr = (type: string) => subjectAttributeOf(certificate, type)?.trim() || undefined;
  return attr(CN) ?? attr(O) ?? '署名者';
}

/** The date and time in Japan (JST, UTC+9, no daylight saving): 2025年1月2日 12:34. */
export function japaneseDateTime(date: Date): string {
  const jst = new Date(date.getTime() + 9 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${jst.getUTCFullYear()}年${jst.getUTCMonth() + 1}月${jst.getUTCDate()}日 ${p(jst.getUTCHours())}:${p(jst.getUTCMinutes())} JST`;
}

/** The lines of a visible signature: who, in what role, when. */
export function appearanceLines(o: { name: string; roleLabel?: string; signingTime: Date }): string[] {
  const lines = [`署名者　${o.name}`];
  if (o.roleLabel?.trim()) lines.push(o.roleLabel.trim());
  lines.push(`署名日時　${japaneseDateTime(o.signingTime)}`);
  return lines;
}
