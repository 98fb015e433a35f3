/**
 * Old and variant forms of kanji (旧字体・異体字) that a contract and a certificate may write
 * differently for the same person: a bank types 高橋 or 渡辺 where the register and the card say
 * 髙橋 or 渡邊. Each group is compared as its first character.
 *
 * Source: the pairs of a character and its traditional form that the 常用漢字表 (Cabinet notice,
 * 2010) prints in brackets, and the variants of 常用漢字 that the 人名用漢字 list admits for names
 * (戸籍法施行規則 別表第二), kept to those met in surnames and given names; plus the surname
 * variants outside JIS levels 1–2 that registers hold (髙, 﨑, 𠮷). A JPKI certificate cannot
 * carry those last ones: it writes a substitute and flags it (.5.5.2 / .5.5.6), which the
 * comparison treats as a wildcard; the table matters when the contract writes them.
 * NFKC does not help here: 﨑 (U+FA11) is one of the unified ideographs of the compatibility
 * block and has no decomposition, and the rest are ordinary unified ideographs.
 *
 * Deliberately small and in one place: a pair added here loosens every name and address
 * comparison. 斎/齋 and 斉/齊 are one group because the Saitō surnames are written with all
 * four and mixed up in practice; the date of birth is compared as well, so 斉藤 standing for
 * 斎藤 does not let another person through on its own.
 */
const GROUPS: readonly string[] = [
  '高髙',
  '崎﨑嵜碕',
  '辺邊邉',
  '斎齋齊斉',
  '沢澤',
  '浜濱',
  '徳德',
  '島嶋嶌',
  '国國',
  '桜櫻',
  '広廣',
  '真眞',
  '恵惠',
  '栄榮',
  '実實',
  '寿壽',
  '蔵藏',
  '竜龍',
  '瀬瀨',
  '槙槇',
  '桑桒',
  '吉𠮷',
];

const CANONICAL: ReadonlyMap<string, string> = new Map(
  GROUPS.flatMap((group) => {
    const [first, ...rest] = [...group];
    return rest.map((variant) => [variant, first!] as [string, string]);
  }),
);

/** The character a variant is compared as (itself when it has no listed variant). */
export function canonicalKanji(char: string): string {
  return CANONICAL.get(char) ?? char;
}
