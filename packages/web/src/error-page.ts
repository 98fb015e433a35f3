const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** What an error page says, in Japanese and English. */
export interface PageMessage {
  ja: string;
  en: string;
}

/** Every refused link gets these words, whatever the reason: the page tells an outsider nothing. */
export const LINK_REFUSED: PageMessage = {
  ja: 'このリンクではページを開けません。リンクの有効期限が切れているか、正しくありません。リンクを受け取った所で新しいリンクを求めてください。',
  en: 'This link cannot open the page: it has expired or is not valid. Ask for a new link where you got this one.',
};

export const NOT_FOUND: PageMessage = { ja: 'ページが見つかりません。', en: 'Page not found.' };

export const INTERNAL_ERROR: PageMessage = { ja: '内部エラーが発生しました。しばらくしてからもう一度お試しください。', en: 'Something went wrong on our side. Please try again later.' };

/**
 * A small error page in Japanese and English, without styles or scripts (the CSP allows
 * neither). `detail` is for messages about the requester's own input (e.g. "not a PDF"), never
 * for anything stored.
 */
export function errorPageHtml(message: PageMessage, detail?: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="ja">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>エラー / Error</title></head>',
    '<body>',
    `<p lang="ja">${escape(message.ja)}</p>`,
    `<p lang="en">${escape(message.en)}</p>`,
    ...(detail ? [`<p lang="en">${escape(detail)}</p>`] : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
