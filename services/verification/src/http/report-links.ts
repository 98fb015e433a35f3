import { LinkRefused, signedLink, verifyLink, type LinkKeys } from '@jitsuin/web';

/** What a report link is for (its audience): a link to another kind of page does not open a report. */
export const REPORT_LINK_PURPOSE = 'jitsuin:verification-report';

/**
 * Signed, expiring links to a revision's report page: GetReport makes them, the pages open them.
 * Without keys no link is made and none opens.
 */
export class ReportLinks {
  constructor(
    private readonly keys: LinkKeys | undefined,
    private readonly ttlMs: number,
    /** The pages' base URL; known once the HTTP server listens (undefined if it does not). */
    private readonly baseUrl: () => string | undefined,
  ) {}

  get enabled(): boolean {
    return this.keys !== undefined;
  }

  /** The report page of a tenant's revision with its token, or undefined without keys or pages. */
  async reportUrl(tenantId: string, revisionId: string): Promise<{ url: string; expiresAt: Date } | undefined> {
    const base = this.baseUrl();
    if (!this.keys || base === undefined) return undefined;
    const { token, expiresAt } = await signedLink(this.keys, { purpose: REPORT_LINK_PURPOSE, tenant: tenantId, resource: revisionId, ttlMs: this.ttlMs });
    const url = `${base}/reports/${encodeURIComponent(tenantId)}/${encodeURIComponent(revisionId)}.html?token=${token}`;
    return { url, expiresAt };
  }

  /** Resolves if `token` opens this tenant's revision now; LinkRefused otherwise. */
  async open(tenantId: string, revisionId: string, token: string | undefined): Promise<void> {
    if (!this.keys) throw new LinkRefused(token ? 'invalid' : 'missing');
    await verifyLink(this.keys, token, { purpose: REPORT_LINK_PURPOSE, tenant: tenantId, resource: revisionId });
  }
}
